// Mistake: pulls rows with a hand-written next() loop and just throws when the sink fails, never calling the cursor's return(), so the database cursor stays open
const { once } = require('node:events');
const { finished } = require('node:stream/promises');

async function exportRows(rows, out) {
  const outcome = finished(out);
  outcome.catch(() => {});
  const iterator = rows[Symbol.asyncIterator]();
  let count = 0;
  for (;;) {
    let step;
    try {
      step = await iterator.next();
    } catch (err) {
      out.destroy(err);
      throw err;
    }
    if (step.done) break;
    if (out.destroyed) break;
    if (!out.write(`${JSON.stringify(step.value)}\n`)) {
      await Promise.race([once(out, 'drain'), outcome]);
    }
    count += 1;
  }
  if (!out.destroyed) out.end();
  await outcome;
  return count;
}

module.exports = { exportRows };

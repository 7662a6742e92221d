// Mistake: resolves as soon as out.end() is called, before the sink has flushed the rows still in its buffer (which may yet fail)
const { once } = require('node:events');
const { finished } = require('node:stream/promises');

async function exportRows(rows, out) {
  const outcome = finished(out);
  outcome.catch(() => {});
  let count = 0;
  try {
    for await (const row of rows) {
      if (out.destroyed) break;
      if (!out.write(`${JSON.stringify(row)}\n`)) {
        await Promise.race([once(out, 'drain'), outcome]);
      }
      count += 1;
    }
  } catch (err) {
    if (!out.destroyed) out.destroy(err);
    throw err;
  }
  if (out.destroyed) await outcome;
  out.end();
  return count;
}

module.exports = { exportRows };

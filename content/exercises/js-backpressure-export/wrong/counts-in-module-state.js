// Mistake: keeps the row count in a module-level variable, so exports running at the same time add to each other's counts
const { once } = require('node:events');
const { finished } = require('node:stream/promises');

let count = 0;

async function exportRows(rows, out) {
  const outcome = finished(out);
  outcome.catch(() => {});
  count = 0;
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
  if (!out.destroyed) out.end();
  await outcome;
  return count;
}

module.exports = { exportRows };

// Mistake: ignores the value write() returns and writes every row at once, so the sink's buffer ends up holding the whole export in memory
const { finished } = require('node:stream/promises');

async function exportRows(rows, out) {
  const outcome = finished(out);
  outcome.catch(() => {});
  let count = 0;
  try {
    for await (const row of rows) {
      if (out.destroyed) break;
      out.write(`${JSON.stringify(row)}\n`);
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

// Mistake: calls out.end() in a finally block, so when the cursor fails the client receives a truncated export that looks complete instead of a failed download
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
  } finally {
    if (!out.destroyed) out.end();
  }
  await outcome;
  return count;
}

module.exports = { exportRows };

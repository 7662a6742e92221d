// Mistake: waits for 'drain' after every write, even when write() returned true, but 'drain' only follows a full buffer, so a sink with room to spare leaves the export waiting forever
const { once } = require('node:events');
const { finished } = require('node:stream/promises');

async function exportRows(rows, out) {
  const outcome = finished(out);
  outcome.catch(() => {});
  let count = 0;
  try {
    for await (const row of rows) {
      if (out.destroyed) break;
      out.write(`${JSON.stringify(row)}\n`);
      await Promise.race([once(out, 'drain'), outcome]);
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

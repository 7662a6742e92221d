const { once } = require('node:events');
const { finished } = require('node:stream/promises');

async function exportRows(rows, out) {
  // Settles when `out` has flushed everything after end(), or as soon as it fails or is destroyed
  // early, whenever that happens (while waiting for 'drain', for the next row, or for 'finish').
  const outcome = finished(out);
  outcome.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled

  let count = 0;
  try {
    for await (const row of rows) {
      if (out.destroyed) break; // the sink failed while we waited for this row: leave the loop,
      // which closes the cursor (for await calls rows' return()), and report the failure below
      if (!out.write(`${JSON.stringify(row)}\n`)) {
        // The buffer is full: take no further row until it drains (or the sink fails).
        await Promise.race([once(out, 'drain'), outcome]);
      }
      count += 1;
    }
  } catch (err) {
    // The source failed (or the sink did, while we waited for 'drain'). Never end() a truncated
    // export: destroy the sink so the client sees a failed download, not a short file.
    if (!out.destroyed) out.destroy(err);
    throw err;
  }
  if (!out.destroyed) out.end();
  await outcome; // 'finish': every row has been flushed; or the sink's error
  return count;
}

module.exports = { exportRows };

// Mistake: listens for the sink's failure only while waiting for 'drain' or 'finish', so a sink that failed while the export waited for the next row is written to and waited on forever
const { once } = require('node:events');

async function exportRows(rows, out) {
  let count = 0;
  try {
    for await (const row of rows) {
      if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      count += 1;
    }
  } catch (err) {
    if (!out.destroyed) out.destroy(err);
    throw err;
  }
  out.end();
  await once(out, 'finish');
  return count;
}

module.exports = { exportRows };

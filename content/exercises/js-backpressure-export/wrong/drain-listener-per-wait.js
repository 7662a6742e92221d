// Mistake: adds 'drain' and 'error' listeners with on() for every full buffer and never removes them, so listeners (and whatever they hold) pile up for the whole export
function drained(out) {
  return new Promise((resolve, reject) => {
    if (out.destroyed) {
      reject(out.errored || new Error('the client closed the connection'));
      return;
    }
    out.on('drain', resolve);
    out.on('error', reject);
    out.on('close', () => reject(out.errored || new Error('the client closed the connection')));
  });
}

function flushed(out) {
  return new Promise((resolve, reject) => {
    if (out.destroyed) {
      reject(out.errored || new Error('the client closed the connection'));
      return;
    }
    out.on('finish', resolve);
    out.on('error', reject);
    out.on('close', () => (out.writableFinished ? resolve() : reject(out.errored || new Error('the client closed the connection'))));
  });
}

async function exportRows(rows, out) {
  let count = 0;
  try {
    for await (const row of rows) {
      if (out.destroyed) throw out.errored || new Error('the client closed the connection');
      if (!out.write(`${JSON.stringify(row)}\n`)) await drained(out);
      count += 1;
    }
  } catch (err) {
    if (!out.destroyed) out.destroy(err);
    throw err;
  }
  out.end();
  await flushed(out);
  return count;
}

module.exports = { exportRows };

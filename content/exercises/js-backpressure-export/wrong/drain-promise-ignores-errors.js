// Mistake: wraps out.once('drain') in a promise that only resolves, so a sink that fails (or a client that disconnects) while the buffer is full leaves the export waiting forever
function drained(out) {
  return new Promise((resolve) => out.once('drain', resolve));
}

function flushed(out) {
  return new Promise((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
}

async function exportRows(rows, out) {
  let count = 0;
  try {
    for await (const row of rows) {
      if (!out.write(`${JSON.stringify(row)}\n`)) await drained(out);
      count += 1;
    }
  } catch (err) {
    out.destroy(err);
    throw err;
  }
  const done = flushed(out);
  out.end();
  await done;
  return count;
}

module.exports = { exportRows };

// Alternative: Readable.from (reads ahead a bounded 16 rows) and the callback form of pipeline.
const { Readable, pipeline } = require('node:stream');

function exportRows(rows, out) {
  return new Promise((resolve, reject) => {
    let count = 0;
    async function* toLines() {
      for await (const row of rows) {
        count += 1;
        yield `${JSON.stringify(row)}\n`;
      }
    }
    pipeline(Readable.from(toLines()), out, (err) => (err ? reject(err) : resolve(count)));
  });
}

module.exports = { exportRows };

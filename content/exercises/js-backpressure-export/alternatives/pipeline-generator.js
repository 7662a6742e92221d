// Alternative: stream.pipeline from the cursor, through an async generator, to the sink.
const { pipeline } = require('node:stream/promises');

async function exportRows(rows, out) {
  let count = 0;
  await pipeline(
    rows,
    async function* toLines(source) {
      for await (const row of source) {
        yield `${JSON.stringify(row)}\n`;
        count += 1;
      }
    },
    out,
  );
  return count;
}

module.exports = { exportRows };

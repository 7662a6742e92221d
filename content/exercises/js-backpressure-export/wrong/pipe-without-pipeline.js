// Mistake: connects the rows to the sink with .pipe(), which respects backpressure but neither forwards a source error to the sink nor closes the source when the sink fails (stream.pipeline does both)
const { Readable } = require('node:stream');
const { once } = require('node:events');

async function exportRows(rows, out) {
  let count = 0;
  async function* toLines() {
    for await (const row of rows) {
      count += 1;
      yield `${JSON.stringify(row)}\n`;
    }
  }
  const source = Readable.from(toLines());
  const failed = once(source, 'error').then(([err]) => { throw err; });
  source.pipe(out);
  await Promise.race([once(out, 'finish'), failed]);
  return count;
}

module.exports = { exportRows };

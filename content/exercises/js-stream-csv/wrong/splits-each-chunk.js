// Mistake: splits each chunk into lines on its own, so a line cut by a chunk boundary is read as two broken lines
const fs = require('fs');

function summarizeCsv(filePath, callback) {
  let done = false;
  const finish = (err, result) => {
    if (!done) {
      done = true;
      stream.destroy();
      callback(err, result);
    }
  };
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  let lineNumber = 0;
  let categoryAt = -1;
  let amountAt = -1;
  let rows = 0;
  const totals = {};
  stream.on('error', finish);
  stream.on('data', (chunk) => {
    for (const raw of chunk.split('\n')) {
      lineNumber += 1;
      const line = raw.replace(/\r$/, '');
      if (line === '') continue;
      const fields = line.split(',');
      if (categoryAt === -1) {
        categoryAt = fields.indexOf('category');
        amountAt = fields.indexOf('amount');
        continue;
      }
      if (!/^-?\d+(\.\d+)?$/.test(fields[amountAt] ?? '')) {
        finish(new Error(`line ${lineNumber}: amount is not a number`));
        return;
      }
      totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(fields[amountAt]);
      rows += 1;
    }
  });
  stream.on('end', () => finish(null, { rows, totals }));
}

module.exports = { summarizeCsv };

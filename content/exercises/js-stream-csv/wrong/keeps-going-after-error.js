// Mistake: reports a bad amount but keeps reading, so the callback is called a second time when the file ends
const fs = require('fs');

function summarizeCsv(filePath, callback) {
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  let pending = '';
  let lineNumber = 0;
  let categoryAt = -1;
  let amountAt = -1;
  let rows = 0;
  const totals = {};
  function handle(raw) {
    lineNumber += 1;
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    const fields = line.split(',');
    if (categoryAt === -1) {
      categoryAt = fields.indexOf('category');
      amountAt = fields.indexOf('amount');
      return;
    }
    if (!/^-?\d+(\.\d+)?$/.test(fields[amountAt] ?? '')) {
      callback(new Error(`line ${lineNumber}: amount is not a number`));
      return;
    }
    totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(fields[amountAt]);
    rows += 1;
  }
  stream.on('error', (err) => callback(err));
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    lines.forEach(handle);
  });
  stream.on('end', () => {
    if (pending !== '') handle(pending);
    callback(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

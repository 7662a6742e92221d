// Mistake: validates amounts with Number() and isNaN (guarding only the empty string), which accepts 0x1A, 1e3, Infinity and ' 7 ', so amounts the file never meant as plain decimals are summed
const fs = require('fs');

function summarizeCsv(filePath, callback) {
  let done = false;
  const finish = (err, result) => {
    if (done) return;
    done = true;
    stream.destroy();
    callback(err, result);
  };

  // encoding: a multi-byte character split across two chunks is decoded correctly.
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  let pending = ''; // the unfinished last line of the previous chunk
  let lineNumber = 0;
  let categoryAt = -1;
  let amountAt = -1;
  let rows = 0;
  const totals = {};

  function handleLine(rawLine) {
    lineNumber += 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') return null;
    const fields = line.split(',');
    if (categoryAt === -1) {
      categoryAt = fields.indexOf('category');
      amountAt = fields.indexOf('amount');
      if (categoryAt === -1 || amountAt === -1) {
        return new Error(`line ${lineNumber}: the header must name "category" and "amount"`);
      }
      return null;
    }
    const amount = fields[amountAt];
    if (amount === undefined || amount.trim() === '' || Number.isNaN(Number(amount))) {
      return new Error(`line ${lineNumber}: amount ${JSON.stringify(amount)} is not a number`);
    }
    const category = fields[categoryAt];
    totals[category] = (totals[category] ?? 0) + Number(amount);
    rows += 1;
    return null;
  }

  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const err = handleLine(line);
      if (err) {
        finish(err);
        return;
      }
    }
  });
  stream.on('end', () => {
    const err = pending === '' ? null : handleLine(pending);
    finish(err, err ? undefined : { rows, totals });
  });
  stream.on('error', (err) => finish(err));
}

module.exports = { summarizeCsv };

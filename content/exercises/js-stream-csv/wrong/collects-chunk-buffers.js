// Mistake: streams the file but keeps every chunk (a Buffer) in an array and parses them once the stream ends, so the whole file sits in memory outside the JavaScript heap
const fs = require('fs');

const NUMBER = /^-?\d+(\.\d+)?$/;

function summarizeCsv(filePath, callback) {
  const chunks = [];
  let done = false;
  const finish = (err, result) => {
    if (done) return;
    done = true;
    callback(err, result);
  };
  const stream = fs.createReadStream(filePath);
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('error', (err) => finish(err));
  stream.on('end', () => {
    const buffer = Buffer.concat(chunks);
    chunks.length = 0;
    let categoryAt = -1;
    let amountAt = -1;
    let rows = 0;
    const totals = {};
    let lineNumber = 0;
    let start = 0;
    while (start < buffer.length) {
      let end = buffer.indexOf(0x0a, start);
      if (end === -1) end = buffer.length;
      lineNumber += 1;
      let line = buffer.toString('utf8', start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') continue;
      const fields = line.split(',');
      if (categoryAt === -1) {
        categoryAt = fields.indexOf('category');
        amountAt = fields.indexOf('amount');
        continue;
      }
      const amount = fields[amountAt];
      if (amount === undefined || !NUMBER.test(amount)) {
        finish(new Error(`line ${lineNumber}: amount ${JSON.stringify(amount)} is not a number`));
        return;
      }
      totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(amount);
      rows += 1;
    }
    finish(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

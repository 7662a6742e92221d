// Mistake: reads the whole file into one Buffer with fs.readFile (no encoding) and decodes it line by line, so the JavaScript heap stays small but the process still holds the entire file in memory
const fs = require('fs');

const NUMBER = /^-?\d+(\.\d+)?$/;

function summarizeCsv(filePath, callback) {
  fs.readFile(filePath, (err, buffer) => {
    if (err) {
      callback(err);
      return;
    }
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
        callback(new Error(`line ${lineNumber}: amount ${JSON.stringify(amount)} is not a number`));
        return;
      }
      totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(amount);
      rows += 1;
    }
    callback(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

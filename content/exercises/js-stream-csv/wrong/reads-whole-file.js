// Mistake: reads the whole file into memory with fs.readFile, so a file larger than the memory limit crashes the process
const fs = require('fs');

function summarizeCsv(filePath, callback) {
  fs.readFile(filePath, 'utf8', (err, text) => {
    if (err) {
      callback(err);
      return;
    }
    const lines = text.split('\n');
    let categoryAt = -1;
    let amountAt = -1;
    let rows = 0;
    const totals = {};
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i].replace(/\r$/, '');
      if (line === '') continue;
      const fields = line.split(',');
      if (categoryAt === -1) {
        categoryAt = fields.indexOf('category');
        amountAt = fields.indexOf('amount');
        continue;
      }
      if (!/^-?\d+(\.\d+)?$/.test(fields[amountAt] ?? '')) {
        callback(new Error(`line ${i + 1}: amount is not a number`));
        return;
      }
      totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(fields[amountAt]);
      rows += 1;
    }
    callback(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

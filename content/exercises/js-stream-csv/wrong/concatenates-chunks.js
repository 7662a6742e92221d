// Mistake: uses a stream but appends every chunk to one string and parses it at the end, so the whole file still ends up in memory
const fs = require('fs');

function summarizeCsv(filePath, callback) {
  let text = '';
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  stream.on('error', (err) => callback(err));
  stream.on('data', (chunk) => {
    text += chunk;
  });
  stream.on('end', () => {
    let categoryAt = -1;
    let amountAt = -1;
    let rows = 0;
    const totals = {};
    const lines = text.split('\n');
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

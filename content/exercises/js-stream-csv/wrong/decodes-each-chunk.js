// Mistake: decodes each Buffer chunk to text on its own, so a multi-byte character (the "é" of "café") split across two chunks is garbled
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
  const stream = fs.createReadStream(filePath);
  let pending = '';
  let lineNumber = 0;
  let categoryAt = -1;
  let amountAt = -1;
  let rows = 0;
  const totals = {};
  function handle(raw) {
    lineNumber += 1;
    const line = raw.replace(/\r$/, '');
    if (line === '') return true;
    const fields = line.split(',');
    if (categoryAt === -1) {
      categoryAt = fields.indexOf('category');
      amountAt = fields.indexOf('amount');
      return true;
    }
    if (!/^-?\d+(\.\d+)?$/.test(fields[amountAt] ?? '')) {
      finish(new Error(`line ${lineNumber}: amount is not a number`));
      return false;
    }
    totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + Number(fields[amountAt]);
    rows += 1;
    return true;
  }
  stream.on('error', finish);
  stream.on('data', (chunk) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop();
    for (const line of lines) if (!handle(line)) return;
  });
  stream.on('end', () => {
    if (pending !== '' && !handle(pending)) return;
    finish(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

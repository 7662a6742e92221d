// Mistake: splits on "\n" and keeps the "\r" of "\r\n" line ends, so the last column of every line carries a stray "\r"
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
  let pending = '';
  let lineNumber = 0;
  let categoryAt = -1;
  let amountAt = -1;
  let rows = 0;
  const totals = {};
  function handle(line) {
    lineNumber += 1;
    if (line.trim() === '') return true;
    const fields = line.split(',');
    if (categoryAt === -1) {
      categoryAt = fields.indexOf('category');
      amountAt = fields.indexOf('amount');
      return true;
    }
    const amount = Number(fields[amountAt]);
    if (fields[amountAt] === '' || !Number.isFinite(amount)) {
      finish(new Error(`line ${lineNumber}: amount is not a number`));
      return false;
    }
    totals[fields[categoryAt]] = (totals[fields[categoryAt]] ?? 0) + amount;
    rows += 1;
    return true;
  }
  stream.on('error', finish);
  stream.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) if (!handle(line)) return;
  });
  stream.on('end', () => {
    if (pending !== '' && !handle(pending)) return;
    finish(null, { rows, totals });
  });
}

module.exports = { summarizeCsv };

// Mistake: listens for 'error' on the file stream but not on the readline interface, which re-emits it, so a missing file crashes the process instead of calling back
const fs = require('fs');
const readline = require('readline');

function summarizeCsv(filePath, callback) {
  let finished = false;
  const input = fs.createReadStream(filePath);
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0; let header = null; let rows = 0; const totals = {};
  const done = (err, res) => {
    if (finished) return;
    finished = true;
    rl.close();
    input.destroy();
    if (err) callback(err); else callback(null, res);
  };
  input.on('error', done);
  rl.on('line', (line) => {
    if (finished) return;
    n++;
    if (line.trim() === '') return;
    const f = line.split(',');
    if (!header) { header = { c: f.indexOf('category'), a: f.indexOf('amount') }; return; }
    const raw = f[header.a];
    const v = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(v) || /[^0-9.\-]/.test(raw)) {
      done(new Error(`Invalid amount on line ${n}`));
      return;
    }
    totals[f[header.c]] = (totals[f[header.c]] || 0) + v;
    rows++;
  });
  rl.on('close', () => done(null, { rows, totals }));
}
module.exports = { summarizeCsv };

// Hidden tests for js-stream-csv. Files are written to the temporary folder; the last test streams
// a generated file several times larger than the exercise's memory limit (limits.memory_mb).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');

const SEGMENT = 64 * 1024;
const BIG_FILE_MB = 64;

module.exports = ({ test, assert, load }) => {
  const show = (value) => (value instanceof Error ? `${value.name}: ${value.message}` : JSON.stringify(value));

  function tempDir() {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'csv-test-'));
  }

  function withFile(content, body) {
    const dir = tempDir();
    const file = path.join(dir, 'data.csv');
    fs.writeFileSync(file, content);
    return Promise.resolve()
      .then(() => body(file))
      .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
  }

  // Lets the event loop turn (I/O included) for about `ms` of real time. Timers are faked during
  // tests, so this spins on setImmediate, bounded by an iteration count too.
  async function letIoRun(ms) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200000; i += 1) {
      if (Number(process.hrtime.bigint() - start) / 1e6 >= ms) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // Calls summarizeCsv and resolves with the arguments of its first callback, after checking that
  // the callback is not called a second time.
  async function summarize(file, settleMs = 30) {
    const { summarizeCsv } = load();
    const calls = [];
    let first;
    const called = new Promise((resolve) => { first = resolve; });
    try {
      summarizeCsv(file, (...args) => {
        calls.push(args);
        first();
      });
    } catch (err) {
      assert.fail(`summarizeCsv threw ${show(err)} instead of passing the error to the callback`);
    }
    await called;
    await letIoRun(settleMs);
    assert.ok(calls.length === 1, `the callback was called ${calls.length} times; it must be called exactly once (calls: ${calls.map((args) => show(args[0]) + (args[1] ? ' ' + show(args[1]) : '')).join(' | ')})`);
    return calls[0];
  }

  function normalTotals(totals) {
    return totals instanceof Map ? Object.fromEntries(totals) : totals;
  }

  async function expectSummary(file, expected, situation) {
    const [err, result] = await summarize(file);
    assert.ok(err === null || err === undefined, `${situation}: expected a summary but the callback got the error ${show(err)}`);
    assert.ok(result && typeof result === 'object', `${situation}: expected the callback to get {rows, totals} but it got ${show(result)}`);
    const actual = { rows: result.rows, totals: normalTotals(result.totals) };
    assert.ok(isDeepStrictEqual(actual, expected), `${situation}: expected ${show(expected)} but got ${show(actual)}`);
  }

  async function expectLineError(file, line, situation) {
    const [err] = await summarize(file);
    assert.ok(err instanceof Error || (err && typeof err.message === 'string'), `${situation}: expected callback(err) but the callback got ${show(err)} as its error`);
    assert.ok(new RegExp(`\\bline ${line}\\b`).test(err.message), `${situation}: the error message should contain "line ${line}" (the header is line 1, blank lines count) but was ${JSON.stringify(err.message)}`);
  }

  // ---- generated files whose chunk boundaries split lines ------------------------------------
  // Every 64 KiB boundary of the file falls inside a line: at odd multiples of 64 KiB between the
  // "\r" and "\n" of a line end, at even multiples inside the two bytes of the "é" in "café".
  // Any reader whose chunk size is a power of two of at least 4 KiB sees split lines; readers
  // with 64 KiB chunks (the fs.createReadStream default) see both kinds of split.
  const HEADER = 'region,amount,note,category';
  const REGIONS = ['north', 'south', 'east', 'west'];
  const CATEGORIES = ['food', 'travel', 'café', 'books'];

  function segment(kind, start) {
    // kind: 'first' (starts with the header), 'afterCr' (starts with "\n"), 'afterMb' (starts
    // with the second byte of "é"); `start` is the row number used to vary the rows.
    const parts = [];
    let size = 0;
    const totals = {};
    let rows = 0;
    const add = (buf) => { parts.push(buf); size += buf.length; };
    const count = (category, amount) => {
      rows += 1;
      totals[category] = (totals[category] ?? 0) + amount;
    };
    if (kind === 'first') add(Buffer.from(`${HEADER}\r\n`));
    if (kind === 'afterCr') add(Buffer.from('\n'));
    if (kind === 'afterMb') add(Buffer.from([0xa9, 0x0d, 0x0a]));
    const ending = kind === 'afterCr' ? 'mb' : 'cr';
    let i = start;
    for (;;) {
      const amountTimesFour = ((i * 37) % 400) - 100;
      const amount = amountTimesFour / 4;
      const category = CATEGORIES[i % CATEGORIES.length];
      const note = 'n'.repeat(20 + (i % 50));
      const line = Buffer.from(`${REGIONS[i % 4]},${amount},${note},${category}\r\n${i % 97 === 0 ? '\r\n' : ''}`);
      if (size + line.length > SEGMENT - 150) break;
      add(line);
      count(category, amount);
      i += 1;
    }
    // The last line is cut by the segment boundary; pad its note so the cut lands exactly there.
    const amount = ((i * 37) % 400 - 100) / 4;
    if (ending === 'cr') {
      const category = CATEGORIES[i % CATEGORIES.length];
      const fixed = `${REGIONS[i % 4]},${amount},,${category}\r`;
      add(Buffer.from(fixed.replace(',,', `,${'p'.repeat(SEGMENT - size - Buffer.byteLength(fixed))},`)));
      count(category, amount);
    } else {
      const fixedLength = Buffer.byteLength(`${REGIONS[i % 4]},${amount},,caf`) + 1;
      add(Buffer.concat([
        Buffer.from(`${REGIONS[i % 4]},${amount},${'p'.repeat(SEGMENT - size - fixedLength)},caf`),
        Buffer.from([0xc3]),
      ]));
      count('café', amount);
    }
    if (size !== SEGMENT) throw new Error(`test bug: segment of ${size} bytes`);
    return { buf: Buffer.concat(parts), rows, totals, next: i + 1 };
  }

  // Writes HEADER segment, then `pairs` x (afterCr segment, afterMb segment), then a last line
  // without a newline. Returns the expected summary.
  function writeSplitFile(file, pairs) {
    const first = segment('first', 0);
    const a = segment('afterCr', first.next);
    const b = segment('afterMb', a.next);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, first.buf);
      for (let k = 0; k < pairs; k += 1) {
        fs.writeSync(fd, a.buf);
        fs.writeSync(fd, b.buf);
      }
      fs.writeSync(fd, '\nsouth,-0.75,the last line has no newline,books');
    } finally {
      fs.closeSync(fd);
    }
    const totals = {};
    for (const category of CATEGORIES) {
      const sum = (first.totals[category] ?? 0)
        + pairs * ((a.totals[category] ?? 0) + (b.totals[category] ?? 0));
      if (sum !== 0) totals[category] = sum;
    }
    totals.books = (totals.books ?? 0) - 0.75;
    return { rows: first.rows + pairs * (a.rows + b.rows) + 1, totals };
  }

  function sameTotals(actual, expected) {
    const a = normalTotals(actual) || {};
    return Object.keys(a).length === Object.keys(expected).length
      && Object.keys(expected).every((key) => a[key] === expected[key]);
  }

  // ---- tests -----------------------------------------------------------------------------------

  test('sums the amounts per category and counts the data rows', () => withFile(
    'category,amount\nfood,12.5\ntravel,100\nfood,7.5\nbooks,3\n',
    (file) => expectSummary(file, { rows: 4, totals: { food: 20, travel: 100, books: 3 } }, 'a four-row file'),
  ));

  test('finds the category and amount columns by the header, in any order', () => withFile(
    'id,amount,note,category,region\n1,10,lunch,food,north\n2,2.5,bus,travel,south\n3,5,dinner,food,east\n',
    (file) => expectSummary(file, { rows: 3, totals: { food: 15, travel: 2.5 } }, 'a file whose header is "id,amount,note,category,region"'),
  ));

  test('handles CRLF line ends without leaving \\r in categories or amounts', () => withFile(
    'amount,category\r\n4.25,food\r\n1,travel\r\n0.75,food\r\n',
    (file) => expectSummary(file, { rows: 3, totals: { food: 5, travel: 1 } }, 'a file with \\r\\n line ends and the category in the last column'),
  ));

  test('ignores blank lines and reads a last line without a newline', () => withFile(
    'category,amount\n\nfood,1\n\n\ntravel,2\r\n\r\nfood,3',
    (file) => expectSummary(file, { rows: 3, totals: { food: 4, travel: 2 } }, 'a file with blank lines and no newline at the end'),
  ));

  test('accepts negative, integer and decimal amounts', () => withFile(
    'category,amount\nrefunds,-12.5\nrefunds,3\nfees,0.25\nfees,10.75\n',
    (file) => expectSummary(file, { rows: 4, totals: { refunds: -9.5, fees: 11 } }, 'amounts -12.5, 3, 0.25 and 10.75'),
  ));

  test('calls back with an ENOENT error for a missing file instead of throwing', async () => {
    const dir = tempDir();
    try {
      const [err, result] = await summarize(path.join(dir, 'no-such-file.csv'));
      assert.ok(err && err.code === 'ENOENT', `a missing file should give callback(err) with err.code "ENOENT", but the callback got ${show(err)}${err ? ` with code ${show(err.code)}` : ''}`);
      assert.ok(result === undefined || result === null, `a missing file should not produce a summary, got ${show(result)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('reports a non-numeric amount with its line number, counting the header and blank lines', () => withFile(
    'category,amount\nfood,1\n\ntravel,2\n\ntravel,about 3\nfood,4\n',
    (file) => expectLineError(file, 6, 'the amount "about 3" on line 6'),
  ));

  test('treats an empty amount as non-numeric', () => withFile(
    'category,amount\r\nfood,1\r\nfood,\r\nfood,2\r\n',
    (file) => expectLineError(file, 3, 'an empty amount on line 3'),
  ));

  test('treats an amount with trailing letters such as 12abc as non-numeric', () => withFile(
    'amount,category\n5,food\n12abc,travel\n',
    (file) => expectLineError(file, 3, 'the amount "12abc" on line 3'),
  ));

  test('treats amounts that Number() would accept but are not plain decimals (0x1A, 1e3, Infinity) as non-numeric', async () => {
    for (const [amount, what] of [['0x1A', 'a hexadecimal amount'], ['1e3', 'an exponent amount'], ['Infinity', 'an Infinity amount']]) {
      await withFile(
        `category,amount\nfood,2\ntravel,${amount}\nfood,3\n`,
        (file) => expectLineError(file, 3, `${what} (${amount}) on line 3`),
      );
    }
  });

  test('reports a bad amount on the first data row, deep in a file read in many chunks, and on a last line without a newline', async () => {
    await withFile('category,amount\nfood,x1\nfood,2\n', (file) => expectLineError(file, 2, 'the amount "x1" on line 2, the first data row'));
    // 20000 rows of 12 bytes on each side of the bad one: it sits in the fourth 64 KiB chunk.
    const rows = 'travel,1.5\r\n'.repeat(20000);
    await withFile(`category,amount\r\n${rows}food,1.5.2\r\n${rows}`, (file) => expectLineError(file, 20002, 'the amount "1.5.2" on line 20002, about 240 KB into the file'));
    await withFile('category,amount\nfood,1\nfood,2\n\nbooks,3x', (file) => expectLineError(file, 5, 'the amount "3x" on line 5, the last line, which has no newline'));
  });

  test('calls back once with the error, not again when the file ends', () => withFile(
    `category,amount\nfood,1\nfood,oops\n${'travel,2\n'.repeat(2000)}`,
    async (file) => {
      const { summarizeCsv } = load();
      const calls = [];
      let first;
      const called = new Promise((resolve) => { first = resolve; });
      summarizeCsv(file, (...args) => {
        calls.push(args);
        first();
      });
      await called;
      await letIoRun(200);
      assert.ok(calls[0][0] instanceof Error, `the first callback should carry the error for line 3, got ${show(calls[0][0])}`);
      assert.ok(calls.length === 1, `after reporting the bad amount on line 3 the callback was called ${calls.length - 1} more time(s) (${calls.slice(1).map((args) => show(args[0] || args[1])).join(' | ')}); it must be called exactly once`);
    },
  ));

  test('handles line ends and multi-byte characters split across read chunks', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'split.csv');
      const expected = writeSplitFile(file, 8);
      const [err, result] = await summarize(file);
      assert.ok(!err, `a 1 MiB file with \\r\\n line ends and "café" rows: expected a summary but got the error ${show(err)}`);
      assert.ok(result && result.rows === expected.rows, `a 1 MiB file whose chunk boundaries fall inside lines: expected ${expected.rows} rows but got ${show(result && result.rows)}`);
      assert.ok(sameTotals(result.totals, expected.totals), `a 1 MiB file whose chunk boundaries fall inside "\\r\\n" and inside "é": expected totals ${show(expected.totals)} but got ${show(normalTotals(result.totals))}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`streams a ${BIG_FILE_MB} MiB file, several times larger than its memory limit`, async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'big.csv');
      // One pair of segments is 128 KiB.
      const expected = writeSplitFile(file, BIG_FILE_MB * 8 - 1);
      // The memory the process holds, whatever kind it is (heap, Buffers, typed arrays): its
      // peak resident size (getrusage's maxRSS, in KiB) against its resident size right before.
      const residentBefore = process.memoryUsage.rss();
      const [err, result] = await summarize(file, 10);
      const growthMb = (process.resourceUsage().maxRSS * 1024 - residentBefore) / (1024 * 1024);
      assert.ok(!err, `a ${BIG_FILE_MB} MiB file: expected a summary but got the error ${show(err)}`);
      // A streaming reader holds a few chunks and some garbage (about 12 MiB at most here); one
      // that keeps the file, in a Buffer, an array of chunks or lines, holds at least its size.
      assert.ok(growthMb < BIG_FILE_MB / 2, `summarizing a ${BIG_FILE_MB} MiB file made the process hold ${Math.round(growthMb)} MiB more memory at its peak: the file was kept in memory (in a Buffer, an array of chunks or of lines) instead of being processed chunk by chunk and let go`);
      assert.ok(result && result.rows === expected.rows, `a ${BIG_FILE_MB} MiB file: expected ${expected.rows} rows but got ${show(result && result.rows)}`);
      assert.ok(sameTotals(result.totals, expected.totals), `a ${BIG_FILE_MB} MiB file: expected totals ${show(expected.totals)} but got ${show(normalTotals(result.totals))}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
};

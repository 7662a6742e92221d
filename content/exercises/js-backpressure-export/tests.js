// Hidden tests for js-backpressure-export. The sinks are real Writable streams whose writes take
// virtual time (the fake clock), so how far the export runs ahead of its sink is measured exactly.
const { Writable } = require('node:stream');

module.exports = ({ test, assert, clock, load }) => {
  const show = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (value === undefined) return 'undefined';
    return JSON.stringify(value);
  };

  const HWM = 256; // the slow sinks' highWaterMark, in bytes (seven or eight rows)
  const MAX_AHEAD = 40; // rows a correct export may hold between the cursor and the sink

  function row(i) {
    return { id: i + 1, sku: `SKU-${String(i + 1).padStart(5, '0')}`, qty: ((i * 7) % 10) + 1 };
  }
  const line = (i) => `${JSON.stringify(row(i))}\n`;
  const lines = (from, to) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');
  const LONGEST_LINE = Buffer.byteLength(line(99999)) + 1;

  // A database cursor: an async iterable of `count` rows that records how many rows were asked
  // for (next() calls), how many it delivered, and whether it was closed (return()) or read to
  // the end. failAt: the index of the next() call that rejects with `error` (`count`: the call
  // after the last row). delayMs: each row arrives after that much virtual time.
  function makeCursor(count, { failAt = -1, error, delayMs = 0, onRow } = {}) {
    const cursor = { requested: 0, delivered: 0, closed: false, exhausted: false };
    const iterator = {
      next() {
        const index = cursor.requested;
        cursor.requested += 1;
        const answer = () => {
          if (cursor.closed) return { done: true, value: undefined };
          if (index === failAt) throw error;
          if (index >= count) {
            cursor.exhausted = true;
            return { done: true, value: undefined };
          }
          cursor.delivered += 1;
          if (onRow) onRow();
          return { done: false, value: row(index) };
        };
        if (delayMs === 0) return Promise.resolve().then(answer);
        return new Promise((resolve, reject) => {
          setTimeout(() => {
            try {
              resolve(answer());
            } catch (err) {
              reject(err);
            }
          }, delayMs);
        });
      },
      return() {
        cursor.closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return { rows: { [Symbol.asyncIterator]: () => iterator }, cursor };
  }

  // The client's end: a real Writable whose every write takes `delayMs` of virtual time (real
  // event-loop turns with `realTurns`). failAtLine: the write holding that line (1-based) fails
  // with `error`. It records the text it processed and, right after every write() call, how many
  // bytes were buffered and how many 'drain' listeners were attached.
  function makeSink({ highWaterMark = HWM, delayMs = 10, realTurns = false, failAtLine = 0, error, onFail } = {}) {
    const sink = { text: '', lines: 0, finished: false, errors: [], maxBuffered: 0, maxDrainListeners: 0 };
    const out = new Writable({
      highWaterMark,
      write(chunk, encoding, callback) {
        const complete = () => {
          const text = chunk.toString();
          const count = text.split('\n').length - 1;
          if (failAtLine > 0 && sink.lines + count >= failAtLine) {
            if (onFail) onFail();
            callback(error);
            return;
          }
          sink.text += text;
          sink.lines += count;
          callback();
        };
        if (realTurns) setImmediate(complete);
        else setTimeout(complete, delayMs);
      },
    });
    const write = out.write;
    out.write = function writeAndMeasure(...args) {
      const result = write.apply(this, args);
      sink.maxBuffered = Math.max(sink.maxBuffered, out.writableLength);
      sink.maxDrainListeners = Math.max(sink.maxDrainListeners, out.listenerCount('drain'));
      return result;
    };
    // The web framework's own listener: a failing sink never crashes the process, so the export
    // itself has to notice the failure.
    out.on('error', (err) => sink.errors.push(err));
    out.on('finish', () => {
      sink.finished = true;
    });
    return { out, sink };
  }

  function start(rows, out) {
    const { exportRows } = load();
    let promise;
    try {
      promise = exportRows(rows, out);
    } catch (err) {
      assert.fail(`exportRows threw ${show(err)} synchronously; it should return a promise`);
    }
    assert.ok(promise && typeof promise.then === 'function', `exportRows should return a promise, got ${show(promise)}`);
    const state = { settled: false, fulfilled: false, rejected: false, value: undefined, error: undefined, at: null };
    promise.then(
      (value) => Object.assign(state, { settled: true, fulfilled: true, value, at: clock.now() }),
      (error) => Object.assign(state, { settled: true, rejected: true, error, at: clock.now() }),
    );
    return state;
  }

  // One export of `count` rows to a fresh sink; `ahead` tracks the most rows ever taken from the
  // cursor and not yet processed by the sink.
  function run(count, { sink: sinkOptions = {}, cursor: cursorOptions = {} } = {}) {
    const track = { ahead: 0, requestedAtFailure: null, failedAt: null };
    const { out, sink } = makeSink({
      ...sinkOptions,
      onFail: () => {
        track.requestedAtFailure = cursor.requested;
        track.failedAt = clock.now();
      },
    });
    const { rows, cursor } = makeCursor(count, {
      ...cursorOptions,
      onRow: () => {
        track.ahead = Math.max(track.ahead, cursor.delivered - sink.lines);
      },
    });
    const state = start(rows, out);
    return { state, out, sink, cursor, track, t0: clock.now() };
  }

  function assertResolved(state, when) {
    assert.ok(state.settled, `exportRows had not settled ${when}`);
    assert.ok(state.fulfilled, `exportRows rejected with ${show(state.error)} ${when}; it should resolve`);
    return state.value;
  }

  function assertRejectedWith(state, error, when) {
    assert.ok(state.settled, `exportRows had not settled ${when}; it should reject`);
    assert.ok(state.rejected, `exportRows resolved with ${show(state.value)} ${when}; it should reject`);
    assert.ok(state.error === error, `exportRows should reject with the very error ${show(error)} ${when}, got ${show(state.error)}`);
  }

  function assertBounded(sink, track, situation) {
    assert.ok(
      sink.maxBuffered <= HWM + LONGEST_LINE,
      `${situation}: the sink's buffer held up to ${sink.maxBuffered} bytes (highWaterMark ${HWM}, one row is under ${LONGEST_LINE}): rows were written after write() had returned false`,
    );
    assert.ok(
      track.ahead <= MAX_AHEAD,
      `${situation}: up to ${track.ahead} rows had been taken from the cursor but not yet processed by the sink (at most ${MAX_AHEAD} expected): stop taking rows while the sink's buffer is full`,
    );
  }

  // ---- tests -----------------------------------------------------------------------------------

  test('writes every row as one JSON line, in order, and resolves with the row count', async () => {
    const { state, sink } = run(30);
    await clock.tickAsync(1000);
    const value = assertResolved(state, '1 s after starting an export of 30 rows to a sink taking 10 ms per row');
    assert.ok(sink.text === lines(0, 30), `the sink should receive the 30 rows as JSON lines in order; it received ${show(sink.text.slice(0, 200))}${sink.text.length > 200 ? '…' : ''}`);
    assert.ok(sink.finished, 'the sink never emitted \'finish\': call out.end() once the cursor is exhausted');
    assert.ok(value === 30, `exportRows should resolve with the number of rows (30), got ${show(value)}`);
  });

  test('stops taking rows while the sink\'s buffer is full', async () => {
    const { state, sink, cursor, track } = run(300);
    await clock.flush();
    assert.ok(
      cursor.delivered <= MAX_AHEAD,
      `before the sink had processed a single row, exportRows had taken ${cursor.delivered} of 300 rows from the cursor; when out.write() returns false, wait for 'drain' before taking the next row`,
    );
    await clock.tickAsync(3100);
    assertResolved(state, 'after the sink had processed all 300 rows (3 s)');
    assertBounded(sink, track, 'an export of 300 rows to a sink with a 256-byte buffer');
  });

  test('resumes on \'drain\' and keeps the slow sink busy until the last row', async () => {
    const { state, sink } = run(100);
    await clock.tickAsync(505);
    assert.ok(sink.lines >= 50, `a sink taking 10 ms per row should have processed 50 rows after 505 ms, it had processed ${sink.lines}: it sat idle (write the next rows as soon as 'drain' fires)`);
    await clock.tickAsync(475);
    assert.ok(!state.settled, `exportRows settled at 980 ms, before the sink had processed row 100 (at 1000 ms)${state.rejected ? `, with ${show(state.error)}` : ''}`);
    await clock.tickAsync(40);
    const value = assertResolved(state, 'at 1020 ms, for 100 rows at 10 ms each');
    assert.ok(value === 100, `exportRows should resolve with 100, got ${show(value)}`);
  });

  test('does not wait for \'drain\' when write() returns true', async () => {
    const { state, sink } = run(10, { sink: { highWaterMark: 16384, delayMs: 1 } });
    await clock.tickAsync(50);
    assert.ok(
      state.settled,
      `a sink with room for all 10 rows never emits 'drain' (only a full buffer does), and exportRows had not settled 50 ms after ten 1 ms writes (the sink had processed ${sink.lines} row(s)): wait for 'drain' only when write() returned false`,
    );
    const value = assertResolved(state, 'for a sink with room for every row');
    assert.ok(value === 10 && sink.text === lines(0, 10), `expected the 10 rows written and 10 resolved, got ${show(value)} and ${sink.lines} lines`);
  });

  test('resolves only after the sink has flushed the last row', async () => {
    const { state, sink, t0 } = run(20);
    await clock.tickAsync(180);
    assert.ok(
      !state.settled,
      `exportRows settled at ${state.at - t0} ms, when the sink had processed only ${sink.lines} of 20 rows: after out.end(), wait for 'finish' (the rows still in the buffer may yet fail)`,
    );
    await clock.tickAsync(40);
    const value = assertResolved(state, 'at 220 ms, for 20 rows at 10 ms each');
    assert.ok(value === 20 && sink.lines === 20 && sink.finished, `expected 20 rows flushed and 'finish' emitted, got ${show(value)} resolved, ${sink.lines} rows processed, finished: ${sink.finished}`);
  });

  test('ends the sink and resolves 0 for an empty cursor', async () => {
    const { state, sink } = run(0);
    await clock.tickAsync(50);
    const value = assertResolved(state, 'for a cursor with no rows');
    assert.ok(sink.finished && sink.text === '', `an empty export should end the sink with nothing written, got finished: ${sink.finished}, text ${show(sink.text)}`);
    assert.ok(value === 0, `an empty export should resolve 0, got ${show(value)}`);
  });

  test('rejects with the sink\'s error when it fails on the first, a middle or the last row', async () => {
    for (const [failAtLine, where] of [[1, 'the first row'], [15, 'row 15 (while the buffer is full)'], [30, 'the last row (after out.end())']]) {
      const error = new Error(`socket hang up (row ${failAtLine})`);
      const { state, sink, track } = run(30, { sink: { failAtLine, error } });
      await clock.tickAsync(failAtLine * 10 + 20);
      assert.ok(track.failedAt !== null, `the sink was to fail on ${where}, but exportRows never wrote it (the sink had processed ${sink.lines} row(s) after ${failAtLine * 10 + 20} ms)`);
      assertRejectedWith(state, error, `20 ms after the sink failed on ${where}`);
      await clock.runAllAsync();
    }
  });

  test('closes the cursor and takes no further row after the sink fails', async () => {
    for (const [failAtLine, where] of [[1, 'the first row'], [15, 'row 15'], [30, 'the last row']]) {
      const error = new Error(`disk full (row ${failAtLine})`);
      const { state, cursor, track } = run(30, { sink: { failAtLine, error } });
      await clock.tickAsync(failAtLine * 10 + 200);
      assert.ok(state.rejected, `the sink failed on ${where} but exportRows ${state.settled ? `resolved with ${show(state.value)}` : 'had not settled 200 ms later'}`);
      assert.ok(
        cursor.requested === track.requestedAtFailure,
        `after the sink failed on ${where}, exportRows asked the cursor for ${cursor.requested - track.requestedAtFailure} more row(s); take no further row once the sink has failed`,
      );
      assert.ok(
        cursor.closed || cursor.exhausted,
        `after the sink failed on ${where}, the cursor was left open (its return() was never called): leaving a for await loop by break or throw closes it, a hand-written next() loop must call return()`,
      );
    }
  });

  test('notices a sink that fails while the export waits for the next row', async () => {
    // Rows arrive every 50 ms; the sink fails on row 3 (at 160 ms) while row 4 is awaited (200 ms).
    const error = new Error('connection reset by peer');
    const { state, sink, cursor, track } = run(10, { sink: { failAtLine: 3, error }, cursor: { delayMs: 50 } });
    await clock.tickAsync(170);
    assert.ok(track.failedAt !== null, `the sink was to fail on row 3, but exportRows never wrote it (the sink had processed ${sink.lines} row(s) after 170 ms, rows arriving every 50 ms)`);
    await clock.tickAsync(100);
    assertRejectedWith(state, error, '110 ms after the sink failed between two rows (the next row arrived 40 ms after the failure)');
    assert.ok(cursor.requested <= track.requestedAtFailure, `after the sink failed, exportRows asked the cursor for ${cursor.requested - track.requestedAtFailure} more row(s)`);
    assert.ok(cursor.closed, 'after the sink failed, the cursor was left open (its return() was never called)');
  });

  test('destroys the sink with the cursor\'s error, never ending it, when the cursor fails at the first, a middle or the last row', async () => {
    for (const [failAt, where] of [[0, 'before the first row'], [15, 'after 15 rows'], [30, 'after the last row']]) {
      const error = new Error(`cursor lost its connection (${where})`);
      const { state, out, sink } = run(30, { cursor: { failAt, error } });
      await clock.tickAsync(500);
      assert.ok(!sink.finished, `the cursor failed ${where} but the sink emitted 'finish': out.end() makes a truncated export look complete; destroy the sink instead`);
      assert.ok(out.destroyed && sink.errors.includes(error), `the cursor failed ${where}: the sink should be destroyed with that error (out.destroy(err)), got destroyed: ${out.destroyed}, errors: ${sink.errors.map(show).join(', ') || 'none'}`);
      assertRejectedWith(state, error, `500 ms after the cursor failed ${where}`);
    }
  });

  test('rejects and closes the cursor when the client disconnects, early, mid-export or after end()', async () => {
    // 100 rows at 10 ms each: out.end() is called at 960 ms and the last row is flushed at 1000 ms.
    for (const [at, where] of [[5, 'while the first row was being written'], [505, 'mid-export'], [995, 'after out.end(), before the last row was flushed']]) {
      const { state, out, cursor } = run(100);
      await clock.tickAsync(at);
      const requested = cursor.requested;
      out.destroy(); // the client went away: destroyed without an error
      await clock.tickAsync(100);
      assert.ok(state.settled, `the sink was destroyed ${where} (the client disconnected at ${at} ms) but exportRows had not settled 100 ms later: a destroyed stream never emits 'drain' or 'finish'`);
      assert.ok(state.rejected && state.error instanceof Error, `a sink destroyed ${where} should make exportRows reject with an Error, got ${state.rejected ? show(state.error) : `a resolution with ${show(state.value)}`}`);
      assert.ok(
        cursor.requested === requested && (cursor.closed || cursor.exhausted),
        `after the client disconnected ${where}, exportRows asked for ${cursor.requested - requested} more row(s) and ${cursor.closed || cursor.exhausted ? 'closed' : 'did not close'} the cursor; it should take nothing more and close it`,
      );
      await clock.runAllAsync();
    }
  });

  test('runs concurrent exports independently: a sink failing mid-way, a new export after it', async () => {
    const error = new Error('sink B failed');
    const a = run(30);
    const b = run(30, { sink: { failAtLine: 15, error } });
    const c = run(40);
    await clock.tickAsync(200); // B's sink failed at 150 ms
    const d = run(20);
    await clock.tickAsync(230); // A ends at 300 ms, C and D at 400 ms
    assertRejectedWith(b.state, error, 'when its sink failed on row 15 while exports A and C were running');
    for (const [name, e, count] of [['A', a, 30], ['C', c, 40], ['D (started after B failed)', d, 20]]) {
      const value = assertResolved(e.state, `for export ${name} (${count} rows), 30 ms after its sink had processed them`);
      assert.ok(value === count, `export ${name} should resolve with its own row count ${count}, got ${show(value)}`);
      assert.ok(e.sink.text === lines(0, count), `export ${name}'s sink should receive exactly its own ${count} rows, it received ${e.sink.lines} lines`);
      assertBounded(e.sink, e.track, `export ${name}`);
    }
  });

  test('leaves no \'drain\' listeners piling up over many full buffers', async () => {
    const { state, out, sink } = run(300);
    await clock.tickAsync(3100);
    assertResolved(state, 'after the sink had processed all 300 rows (3 s)');
    assert.ok(
      sink.maxDrainListeners <= 3,
      `the sink had up to ${sink.maxDrainListeners} 'drain' listeners attached during the export (its buffer filled about 40 times): a listener added with on() for every wait is never removed (use once(), or remove it)`,
    );
    assert.ok(out.listenerCount('drain') === 0, `after the export, ${out.listenerCount('drain')} 'drain' listener(s) were still attached to the sink`);
  });

  test('streams 5000 rows to a sink that completes on real event-loop turns, within bounds', async () => {
    const { state, sink, track } = run(5000, { sink: { realTurns: true } });
    for (let i = 0; i < 200000 && !state.settled; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const value = assertResolved(state, 'after 200000 event-loop turns');
    assert.ok(value === 5000 && sink.lines === 5000, `expected all 5000 rows written and 5000 resolved, got ${show(value)} resolved and ${sink.lines} rows received`);
    assertBounded(sink, track, 'a 5000-row export');
  });
};

// Hidden tests for js-promisify.
module.exports = ({ test, assert, clock, load }) => {
  const show = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === 'function') return 'a function';
    if (value === undefined) return 'undefined';
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  };

  function promisified(fn) {
    const { promisify } = load();
    const wrapped = promisify(fn);
    assert.ok(typeof wrapped === 'function', `promisify(fn) should return a function, got ${show(wrapped)}`);
    return wrapped;
  }

  // Calls the promisified function (with `thisArg` when given) and tracks its promise.
  function call(wrapped, args, thisArg) {
    assert.ok(typeof wrapped === 'function', `promisify(fn) should return a function, got ${show(wrapped)}`);
    let promise;
    try {
      promise = wrapped.apply(thisArg, args);
    } catch (err) {
      assert.fail(`calling the promisified function threw ${show(err)}; it should return a rejected promise instead`);
    }
    assert.ok(promise && typeof promise.then === 'function', `the promisified function should return a promise, got ${show(promise)}`);
    const state = { settled: false, fulfilled: false, rejected: false, value: undefined, error: undefined };
    promise.then(
      (value) => Object.assign(state, { settled: true, fulfilled: true, value }),
      (error) => Object.assign(state, { settled: true, rejected: true, error }),
    );
    return state;
  }

  async function resolvedValue(state, situation) {
    await clock.flush();
    assert.ok(state.settled, `${situation}: the promise had not settled`);
    assert.ok(state.fulfilled, `${situation}: expected the promise to resolve, but it rejected with ${show(state.error)}`);
    return state.value;
  }

  async function rejection(state, situation) {
    await clock.flush();
    assert.ok(state.settled, `${situation}: the promise had not settled`);
    assert.ok(state.rejected, `${situation}: expected the promise to reject, but it resolved with ${show(state.value)}`);
    return state.error;
  }

  test('resolves with the result passed to the callback', async () => {
    const wrapped = promisified((callback) => callback(null, { id: 7 }));
    const value = await resolvedValue(call(wrapped, []), 'fn called callback(null, {id: 7})');
    assert.ok(value && value.id === 7, `fn called callback(null, {id: 7}); the promise should resolve with {id: 7}, got ${show(value)}`);
  });

  test('rejects with the exact error passed to the callback', async () => {
    const error = new Error('disk full');
    const wrapped = promisified((callback) => callback(error));
    const reason = await rejection(call(wrapped, []), 'fn called callback(new Error("disk full"))');
    assert.ok(reason === error, `the promise should reject with the very error passed to the callback, got ${show(reason)}`);
  });

  test('passes every argument through, with the callback last', async () => {
    let received;
    const wrapped = promisified((...args) => {
      received = args;
      args[args.length - 1](null, 'ok');
    });
    const state = call(wrapped, ['users', 42, { limit: 10 }]);
    assert.ok(Array.isArray(received), 'fn was not called when the promisified function was called');
    assert.ok(received.length === 4, `fn should receive the 3 arguments plus the callback (4 in all), got ${received.length}: ${received.map(show).join(', ')}`);
    assert.ok(
      received[0] === 'users' && received[1] === 42 && received[2] && received[2].limit === 10,
      `fn should receive the arguments in order ('users', 42, {limit: 10}) first, got ${received.slice(0, 3).map(show).join(', ')}`,
    );
    assert.ok(typeof received[3] === 'function', `fn's last argument should be the callback, got ${show(received[3])}`);
    await resolvedValue(state, 'fn called back with (null, "ok")');
  });

  test('keeps this when the promisified function is called as a method', async () => {
    const { promisify } = load();
    const db = {
      name: 'orders-db',
      query: promisify(function query(sql, callback) {
        callback(null, `${this && this.name} ran ${sql}`);
      }),
    };
    const state = call(db.query, ['SELECT 1'], db);
    const value = await resolvedValue(state, 'a promisified method');
    assert.ok(value === 'orders-db ran SELECT 1', `db.query('SELECT 1') should see db as this and resolve "orders-db ran SELECT 1", got ${show(value)}`);

    const other = { name: 'replica' };
    const viaCall = await resolvedValue(call(db.query, ['SELECT 2'], other), 'query.call(other, ...)');
    assert.ok(viaCall === 'replica ran SELECT 2', `db.query.call(replica, 'SELECT 2') should see replica as this, got ${show(viaCall)}`);
  });

  test('returns a rejected promise when fn throws synchronously', async () => {
    const error = new TypeError('bad argument');
    const wrapped = promisified(() => {
      throw error;
    });
    const reason = await rejection(call(wrapped, []), 'fn threw synchronously');
    assert.ok(reason === error, `the promise should reject with the error fn threw, got ${show(reason)}`);
  });

  test('resolves falsy results such as 0, an empty string and false', async () => {
    for (const result of [0, '', false, null]) {
      const wrapped = promisified((callback) => callback(null, result));
      const value = await resolvedValue(call(wrapped, []), `fn called callback(null, ${show(result)})`);
      assert.ok(Object.is(value, result), `fn called callback(null, ${show(result)}); the promise should resolve with ${show(result)}, got ${show(value)}`);
    }
  });

  test('treats an undefined error as success', async () => {
    const wrapped = promisified((callback) => callback(undefined, 'fine'));
    const value = await resolvedValue(call(wrapped, []), 'fn called callback(undefined, "fine")');
    assert.ok(value === 'fine', `fn called callback(undefined, "fine"); the promise should resolve with "fine", got ${show(value)}`);
  });

  test('rejects when the callback gets an error even if it also gets a result', async () => {
    const error = new Error('partial write');
    const wrapped = promisified((callback) => callback(error, 'half the data'));
    const reason = await rejection(call(wrapped, []), 'fn called callback(error, "half the data")');
    assert.ok(reason === error, `the error should win over the result, got ${show(reason)}`);
  });

  test('ignores callbacks after the first', async () => {
    const wrapped = promisified((callback) => {
      callback(null, 'first');
      callback(new Error('second'));
      callback(null, 'third');
    });
    const value = await resolvedValue(call(wrapped, []), 'fn called back three times, first with (null, "first")');
    assert.ok(value === 'first', `the first callback should decide the outcome, got ${show(value)}`);

    const failing = promisified((callback) => {
      callback(new Error('first failure'));
      callback(null, 'late success');
    });
    const reason = await rejection(call(failing, []), 'fn called back with an error, then with a result');
    assert.ok(reason instanceof Error && reason.message === 'first failure', `the first callback (an error) should decide the outcome, got ${show(reason)}`);
  });

  test('waits for a callback called later from a timer', async () => {
    const wrapped = promisified((ms, callback) => {
      setTimeout(() => callback(null, `after ${ms} ms`), ms);
    });
    const state = call(wrapped, [1000]);
    await clock.tickAsync(900);
    assert.ok(!state.settled, 'the promise settled before fn called its callback (at 1000 ms)');
    await clock.tickAsync(200);
    const value = await resolvedValue(state, 'fn called back after 1000 ms');
    assert.ok(value === 'after 1000 ms', `expected "after 1000 ms", got ${show(value)}`);
  });

  test('calls fn only when the promisified function is called, once per call', async () => {
    let calls = 0;
    const wrapped = promisified((n, callback) => {
      calls += 1;
      callback(null, n * 10);
    });
    assert.ok(calls === 0, `promisify(fn) itself called fn ${calls} time(s); fn should run only when the returned function is called`);
    const first = call(wrapped, [1]);
    const second = call(wrapped, [2]);
    assert.ok(calls === 2, `two calls of the promisified function should call fn twice, got ${calls}`);
    const a = await resolvedValue(first, 'the first call');
    const b = await resolvedValue(second, 'the second call');
    assert.ok(a === 10 && b === 20, `each call should get its own result (10 and 20), got ${show(a)} and ${show(b)}`);
  });
  test('overlapping calls each settle with their own callback, a failure in the middle and a call started after it included', async () => {
    // Each call answers after `ms`: 'slow' at 300 ms, 'failing' rejects at 100 ms, and 'late',
    // started at 150 ms (after the failure), answers at 250 ms.
    const wrapped = promisified((name, ms, callback) => {
      setTimeout(() => (name === 'failing' ? callback(new Error(`${name} failed`)) : callback(null, `${name} done`)), ms);
    });
    const slow = call(wrapped, ['slow', 300]);
    const failing = call(wrapped, ['failing', 100]);
    await clock.tickAsync(150);
    assert.ok(failing.rejected && failing.error instanceof Error && failing.error.message === 'failing failed', `the call whose callback got an error at 100 ms should have rejected with it by 150 ms, ${failing.settled ? `it resolved with ${show(failing.value)}` : 'it had not settled'}`);
    assert.ok(!slow.settled, `the slow call (answering at 300 ms) settled at ${failing.settled ? 'the failure of another call' : 'under 150 ms'}: ${slow.rejected ? `it rejected with ${show(slow.error)}` : `it resolved with ${show(slow.value)}`}`);
    const late = call(wrapped, ['late', 100]);
    await clock.tickAsync(120);
    assert.ok(late.fulfilled && late.value === 'late done', `the call started at 150 ms should resolve "late done" at 250 ms, ${late.settled ? (late.rejected ? `it rejected with ${show(late.error)}` : `it resolved with ${show(late.value)}`) : 'it had not settled by 270 ms'}`);
    assert.ok(!slow.settled, `the slow call (answering at 300 ms) settled before 270 ms: ${slow.rejected ? `it rejected with ${show(slow.error)}` : `it resolved with ${show(slow.value)}`}`);
    await clock.tickAsync(60);
    assert.ok(slow.fulfilled && slow.value === 'slow done', `the slow call should resolve "slow done" at 300 ms, ${slow.settled ? (slow.rejected ? `it rejected with ${show(slow.error)}` : `it resolved with ${show(slow.value)}`) : 'it had not settled by 330 ms (its callback went to another call)'}`);
  });
};

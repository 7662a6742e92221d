// Hidden tests for js-concurrency-limit. Each fake call takes some virtual time.
const { isDeepStrictEqual } = require('node:util');

module.exports = ({ test, assert, clock, load }) => {
  const show = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (value === undefined) return 'undefined';
    return JSON.stringify(value);
  };

  // durations[i]: virtual ms item i takes; failures[i]: the error item i rejects with.
  function makeWork(durations, failures = {}) {
    const log = { started: [], startedAt: [], active: 0, maxActive: 0, args: [] };
    const fn = (item, index) => {
      log.started.push(index);
      log.startedAt.push(clock.now());
      log.args.push([item, index]);
      log.active += 1;
      log.maxActive = Math.max(log.maxActive, log.active);
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          log.active -= 1;
          if (index in failures) reject(failures[index]);
          else resolve(`result ${item}`);
        }, durations[index]);
      });
    };
    return { fn, log };
  }

  function start(items, limit, fn) {
    const { mapWithLimit } = load();
    let promise;
    try {
      promise = mapWithLimit(items, limit, fn);
    } catch (err) {
      assert.fail(`mapWithLimit threw ${show(err)} synchronously; it should return a rejected promise instead`);
    }
    assert.ok(promise && typeof promise.then === 'function', `mapWithLimit should return a promise, got ${show(promise)}`);
    const state = { settled: false, fulfilled: false, rejected: false, value: undefined, error: undefined };
    promise.then(
      (value) => Object.assign(state, { settled: true, fulfilled: true, value }),
      (error) => Object.assign(state, { settled: true, rejected: true, error }),
    );
    return state;
  }

  function assertResolved(state, when) {
    assert.ok(state.settled, `mapWithLimit had not settled ${when}`);
    assert.ok(state.fulfilled, `mapWithLimit rejected with ${show(state.error)} ${when}; it should resolve`);
    return state.value;
  }

  const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  test('resolves the results in input order, not completion order', async () => {
    const { fn } = makeWork([300, 100, 200, 50]);
    const state = start(['a', 'b', 'c', 'd'], 2, fn);
    await clock.tickAsync(1000);
    const value = assertResolved(state, '1 s after starting four calls of at most 300 ms');
    const expected = ['result a', 'result b', 'result c', 'result d'];
    assert.ok(isDeepStrictEqual(value, expected), `expected the results in input order ${show(expected)}, got ${show(value)}`);
  });

  test('never has more than limit calls in flight', async () => {
    const durations = [120, 40, 300, 80, 60, 200, 30, 90, 150, 70, 110, 20];
    const { fn, log } = makeWork(durations);
    const state = start(durations.map((_, i) => `item${i}`), 3, fn);
    await clock.tickAsync(3000);
    assertResolved(state, 'after every call had finished');
    assert.ok(log.maxActive <= 3, `with limit 3, up to ${log.maxActive} calls were in flight at once`);
    assert.ok(log.started.length === durations.length, `fn should be called once per item (${durations.length}), was called ${log.started.length} times`);
  });

  test('starts limit calls right away', async () => {
    const { fn, log } = makeWork(ITEMS.map(() => 500));
    start(ITEMS, 3, fn);
    await clock.flush();
    assert.ok(log.started.length === 3, `with limit 3 and 8 items, 3 calls should start at once; ${log.started.length} started before any time passed`);
  });

  test('starts the next item as soon as any call finishes, not batch by batch', async () => {
    // With limit 2, item 1 is slow: items 2, 3 and 4 should run one after another beside it.
    const { fn, log } = makeWork([100, 500, 100, 100, 100]);
    const state = start(['a', 'b', 'c', 'd', 'e'], 2, fn);
    await clock.tickAsync(150);
    assert.ok(log.started.length === 3, `item 0 finished at 100 ms, so item 2 should have started then; by 150 ms ${log.started.length} calls had started (started at: ${log.startedAt.map((t) => `${t - log.startedAt[0]} ms`).join(', ')})`);
    await clock.tickAsync(200);
    assert.ok(log.started.length === 5, `by 350 ms all 5 items should have started (each fast item frees its slot after 100 ms), ${log.started.length} had`);
    await clock.tickAsync(130);
    assert.ok(!state.settled, 'mapWithLimit settled at 480 ms although item 1 runs until 500 ms');
    await clock.tickAsync(40);
    assertResolved(state, 'at 520 ms (the slow item ends at 500 ms and the others share the second slot); batches of 2 would take 700 ms');
  });

  test('rejects with the first error as soon as it happens', async () => {
    const failure = new Error('thumbnail service returned 500');
    const { fn } = makeWork([300, 50, 300, 300, 300, 300], { 1: failure });
    const state = start(['a', 'b', 'c', 'd', 'e', 'f'], 2, fn);
    await clock.tickAsync(70);
    assert.ok(state.settled, 'item 1 rejected at 50 ms but mapWithLimit had not rejected by 70 ms (it should not wait for the calls still in flight)');
    assert.ok(state.rejected, `item 1 rejected but mapWithLimit resolved with ${show(state.value)}`);
    assert.ok(state.error === failure, `mapWithLimit should reject with the very error item 1 rejected with, got ${show(state.error)}`);
  });

  test('starts nothing new after a call has failed', async () => {
    const failure = new Error('quota exceeded');
    const { fn, log } = makeWork([100, 50, 100, 100, 100, 100], { 1: failure });
    const state = start(['a', 'b', 'c', 'd', 'e', 'f'], 2, fn);
    await clock.tickAsync(2000);
    assert.ok(state.rejected, `item 1 rejected at 50 ms but mapWithLimit ${state.settled ? `resolved with ${show(state.value)}` : 'had not settled'}`);
    assert.ok(log.started.length === 2, `after item 1 failed, no new call should start; fn was called for items ${show(log.started)}`);
  });

  test('rejects with the earliest failure when several calls fail', async () => {
    const early = new Error('early failure');
    const late = new Error('late failure');
    const { fn } = makeWork([80, 200, 30, 200], { 0: late, 2: early });
    const state = start(['a', 'b', 'c', 'd'], 3, fn);
    await clock.tickAsync(500);
    assert.ok(state.rejected, `two calls rejected but mapWithLimit ${state.settled ? `resolved with ${show(state.value)}` : 'had not settled'}`);
    assert.ok(state.error === early, `item 2 failed first (at 30 ms) and item 0 later (at 80 ms); expected the first failure, got ${show(state.error)}`);
  });

  test('rejects as soon as a call started later fails, and starts nothing new after it', async () => {
    // limit 2: item 2 starts at 100 ms, when item 0 frees its slot, and fails at 150 ms; item 1
    // frees its slot at 300 ms, after the failure, and must not take a new item.
    const failure = new Error('thumbnail service returned 503');
    const { fn, log } = makeWork([100, 300, 50, 100, 100, 100], { 2: failure });
    const state = start(['a', 'b', 'c', 'd', 'e', 'f'], 2, fn);
    await clock.tickAsync(170);
    assert.ok(state.settled, `item 2, started at 100 ms when item 0 finished, rejected at 150 ms, but mapWithLimit had not settled by 170 ms (fn was called for items ${show(log.started)})`);
    assert.ok(state.rejected && state.error === failure, `mapWithLimit should reject with the very error item 2 rejected with, got ${state.rejected ? show(state.error) : `a resolution with ${show(state.value)}`}`);
    await clock.tickAsync(2000);
    assert.ok(isDeepStrictEqual(log.started, [0, 1, 2]), `after item 2 failed at 150 ms, no new call should start (item 1 freed its slot at 300 ms); fn was called for items ${show(log.started)}`);
  });

  test('rejects as soon as the last item started fails, while earlier calls are still in flight', async () => {
    // limit 3: items 1 and 2 run until 400 ms; item 3 takes item 0's slot at 100 ms, item 4 (the
    // last) takes item 3's at 200 ms and fails at 250 ms.
    const failure = new Error('image is corrupt');
    const { fn, log } = makeWork([100, 400, 400, 100, 50], { 4: failure });
    const state = start(['a', 'b', 'c', 'd', 'e'], 3, fn);
    await clock.tickAsync(270);
    assert.ok(log.started.length === 5, `by 270 ms every item should have started, fn was called for items ${show(log.started)}`);
    assert.ok(state.settled, 'the last item started (item 4) rejected at 250 ms, but mapWithLimit had not settled by 270 ms: it should not wait for items 1 and 2, still in flight until 400 ms');
    assert.ok(state.rejected && state.error === failure, `mapWithLimit should reject with the very error item 4 rejected with, got ${state.rejected ? show(state.error) : `a resolution with ${show(state.value)}`}`);
  });

  test('rejects a limit below 1 with a RangeError without calling fn', async () => {
    for (const limit of [0, -1]) {
      let calls = 0;
      const state = start(['a', 'b'], limit, () => {
        calls += 1;
        return Promise.resolve();
      });
      await clock.flush();
      assert.ok(state.rejected, `limit ${limit} should reject, but mapWithLimit ${state.settled ? `resolved with ${show(state.value)}` : 'had not settled'}`);
      assert.ok(state.error instanceof RangeError, `limit ${limit} should reject with a RangeError, got ${show(state.error)}`);
      assert.ok(calls === 0, `with limit ${limit}, fn should never be called, was called ${calls} times`);
    }
  });

  test('checks the limit before anything else, even with no items', async () => {
    const state = start([], 0, () => Promise.resolve());
    await clock.flush();
    assert.ok(state.rejected && state.error instanceof RangeError, `mapWithLimit([], 0, fn) should reject with a RangeError (the limit is checked first), got ${state.rejected ? show(state.error) : `a resolution with ${show(state.value)}`}`);
  });

  test('resolves an empty array for no items without calling fn', async () => {
    let calls = 0;
    const state = start([], 2, () => {
      calls += 1;
      return Promise.resolve();
    });
    await clock.flush();
    const value = assertResolved(state, 'for no items');
    assert.ok(isDeepStrictEqual(value, []), `no items should resolve [], got ${show(value)}`);
    assert.ok(calls === 0, `fn was called ${calls} times for no items`);
  });

  test('passes each item and its index to fn', async () => {
    const { fn, log } = makeWork([10, 10, 10]);
    const state = start(['x', 'y', 'z'], 2, fn);
    await clock.tickAsync(100);
    assertResolved(state, 'at 100 ms, for three 10 ms calls');
    const sorted = [...log.args].sort((p, q) => p[1] - q[1]);
    assert.ok(isDeepStrictEqual(sorted, [['x', 0], ['y', 1], ['z', 2]]), `fn should be called as fn(item, index) once per item, got calls ${show(log.args)}`);
  });

  test('runs every call at once when the limit exceeds the number of items', async () => {
    const { fn, log } = makeWork([200, 200, 200]);
    const state = start(['a', 'b', 'c'], 10, fn);
    await clock.flush();
    assert.ok(log.started.length === 3, `with limit 10 and 3 items, all 3 should start at once; ${log.started.length} did`);
    await clock.tickAsync(220);
    const value = assertResolved(state, 'at 220 ms, for three 200 ms calls running together');
    assert.ok(isDeepStrictEqual(value, ['result a', 'result b', 'result c']), `expected ['result a', 'result b', 'result c'], got ${show(value)}`);
  });

  test('with limit 1 runs the calls strictly one after another', async () => {
    const { fn, log } = makeWork([100, 100, 100]);
    const state = start(['a', 'b', 'c'], 1, fn);
    await clock.tickAsync(350);
    assertResolved(state, 'at 350 ms, for three 100 ms calls run one at a time');
    assert.ok(log.maxActive === 1, `with limit 1, ${log.maxActive} calls were in flight at once`);
    const offsets = log.startedAt.map((t) => t - log.startedAt[0]);
    assert.ok(isDeepStrictEqual(offsets, [0, 100, 200]), `with limit 1, each call should start when the previous one ends (0, 100, 200 ms); they started at ${offsets.join(', ')} ms`);
  });

  test('handles many items that resolve immediately', async () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    let active = 0;
    let maxActive = 0;
    const state = start(items, 4, async (n) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await null;
      active -= 1;
      return n * n;
    });
    await clock.tickAsync(10);
    const value = assertResolved(state, 'for 500 calls that resolve at once');
    assert.ok(Array.isArray(value) && value.length === 500 && value.every((v, i) => v === i * i), 'the 500 results should be the squares of the items, in order');
    assert.ok(maxActive <= 4, `with limit 4, up to ${maxActive} calls were in flight at once`);
  });
};

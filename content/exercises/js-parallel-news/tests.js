// Hidden tests for js-parallel-news. Sources are fakes answering after some virtual time.
const { isDeepStrictEqual } = require('node:util');

module.exports = ({ test, assert, clock, load }) => {
  const show = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return JSON.stringify(value);
  };

  // spec: { ms, articles } resolves, { ms, error } rejects, { never: true } never settles.
  function makeSources(specs) {
    const called = specs.map(() => 0);
    const fns = specs.map((spec, index) => () => {
      called[index] += 1;
      if (spec.never) return new Promise(() => {});
      return new Promise((resolve, reject) => {
        setTimeout(() => (spec.error ? reject(spec.error) : resolve(spec.articles)), spec.ms);
      });
    });
    return { fns, called };
  }

  function start(fns, ...options) {
    const { fetchAllNews } = load();
    let promise;
    try {
      promise = fetchAllNews(fns, ...options);
    } catch (err) {
      assert.fail(`fetchAllNews threw synchronously (${show(err)}) instead of returning a promise`);
    }
    assert.ok(promise && typeof promise.then === 'function', 'fetchAllNews must return a promise');
    const state = { settled: false, rejected: false, value: undefined, error: undefined };
    promise.then(
      (value) => Object.assign(state, { settled: true, value }),
      (error) => Object.assign(state, { settled: true, rejected: true, error }),
    );
    return state;
  }

  function assertResolved(state, when) {
    assert.ok(state.settled, `fetchAllNews had not resolved ${when}`);
    assert.ok(!state.rejected, `fetchAllNews rejected with ${show(state.error)}; it should resolve {articles, failed} even when sources fail`);
    return state.value;
  }

  function assertResult(result, expected, situation) {
    assert.ok(
      isDeepStrictEqual(result, expected),
      `${situation}: expected ${show(expected)} but fetchAllNews resolved ${show(result)}`,
    );
  }

  test('calls every source before returning', () => {
    const { fns, called } = makeSources([
      { ms: 300, articles: ['a'] },
      { ms: 100, articles: ['b'] },
      { ms: 200, articles: ['c'] },
    ]);
    start(fns, { timeoutMs: 1000 });
    assert.ok(
      called.every((count) => count === 1),
      `every source should have been called once by the time fetchAllNews returned; calls per source: ${show(called)}`,
    );
  });

  test('finishes when the slowest source does, not after the sum of their times', async () => {
    const { fns } = makeSources([
      { ms: 300, articles: ['a'] },
      { ms: 100, articles: ['b'] },
      { ms: 200, articles: ['c'] },
    ]);
    const state = start(fns);
    await clock.tickAsync(280);
    assert.ok(!state.settled, 'fetchAllNews resolved at 280 ms although its slowest source answers at 300 ms');
    await clock.tickAsync(40);
    assertResolved(state, 'at 320 ms although the slowest of the three sources answered at 300 ms (running them one after another takes 600 ms)');
  });

  test('keeps the articles in source order, not in the order the sources answered', async () => {
    const { fns } = makeSources([
      { ms: 250, articles: ['slow-1', 'slow-2'] },
      { ms: 50, articles: ['fast-1'] },
      { ms: 150, articles: [] },
      { ms: 100, articles: ['medium-1'] },
    ]);
    const state = start(fns);
    await clock.tickAsync(300);
    const result = assertResolved(state, '300 ms after starting, with every source answered by 250 ms');
    assertResult(result, { articles: ['slow-1', 'slow-2', 'fast-1', 'medium-1'], failed: [] }, 'sources answering in the order 2nd, 4th, 3rd, 1st');
  });

  test('reports rejected sources by index and keeps the other articles', async () => {
    const { fns } = makeSources([
      { ms: 100, articles: ['a'] },
      { ms: 50, error: new Error('503 from api 2') },
      { ms: 150, articles: ['c'] },
      { ms: 120, error: 'connection reset' },
    ]);
    const state = start(fns);
    await clock.tickAsync(200);
    const result = assertResolved(state, '200 ms after starting, with every source settled by 150 ms');
    assertResult(result, { articles: ['a', 'c'], failed: [1, 3] }, 'the 2nd and 4th sources rejected');
  });

  test('lists failed indices in ascending order even when later sources fail first', async () => {
    const { fns } = makeSources([
      { ms: 300, error: new Error('late failure') },
      { ms: 100, articles: ['b'] },
      { ms: 50, error: new Error('early failure') },
    ]);
    const state = start(fns);
    await clock.tickAsync(350);
    const result = assertResolved(state, '350 ms after starting, with every source settled by 300 ms');
    assertResult(result, { articles: ['b'], failed: [0, 2] }, 'the 3rd source failed at 50 ms and the 1st at 300 ms');
  });

  test('lists timed-out and rejected sources together in ascending order, first, middle and last', async () => {
    const { fns } = makeSources([
      { never: true },
      { ms: 100, articles: ['b'] },
      { ms: 50, error: new Error('503 from api 3') },
      { ms: 150, articles: ['d'] },
      { never: true },
    ]);
    const state = start(fns, { timeoutMs: 300 });
    await clock.tickAsync(320);
    const result = assertResolved(state, 'at 320 ms although the timeout was 300 ms');
    assertResult(result, { articles: ['b', 'd'], failed: [0, 2, 4] }, 'the 1st and 5th sources never settle (timeout 300 ms) and the 3rd rejects at 50 ms');
  });

  test('gives up on a source that misses the timeout and resolves at the timeout', async () => {
    const { fns } = makeSources([
      { ms: 100, articles: ['a'] },
      { ms: 2000, articles: ['too-late'] },
      { ms: 300, articles: ['c'] },
    ]);
    const state = start(fns, { timeoutMs: 500 });
    await clock.tickAsync(480);
    assert.ok(!state.settled, 'fetchAllNews resolved at 480 ms, before the 500 ms timeout, although the 2nd source had not answered');
    await clock.tickAsync(40);
    const result = assertResolved(state, 'at 520 ms although the timeout was 500 ms');
    assertResult(result, { articles: ['a', 'c'], failed: [1] }, 'the 2nd source answers at 2000 ms, after the 500 ms timeout');
  });

  test('reports a source that never settles as failed once the timeout passes', async () => {
    const { fns } = makeSources([{ never: true }, { ms: 100, articles: ['b'] }]);
    const state = start(fns, { timeoutMs: 400 });
    await clock.tickAsync(420);
    const result = assertResolved(state, 'at 420 ms although the timeout was 400 ms');
    assertResult(result, { articles: ['b'], failed: [0] }, 'the 1st source never settles, timeout 400 ms');
  });

  test('does not wait for the timeout when every source answers early', async () => {
    const { fns } = makeSources([
      { ms: 100, articles: ['a'] },
      { ms: 200, articles: ['b'] },
    ]);
    const state = start(fns, { timeoutMs: 5000 });
    await clock.tickAsync(220);
    const result = assertResolved(state, 'at 220 ms although every source had answered by 200 ms (the 5000 ms timeout is only a limit)');
    assertResult(result, { articles: ['a', 'b'], failed: [] }, 'both sources answered before the timeout');
  });

  test('leaves no timer pending once every source answered before the timeout', async () => {
    const { fns } = makeSources([
      { ms: 100, articles: ['a'] },
      { ms: 150, error: new Error('boom') },
      { ms: 200, articles: ['c'] },
    ]);
    const state = start(fns, { timeoutMs: 1000 });
    await clock.tickAsync(250);
    assertResolved(state, 'at 250 ms although every source had settled by 200 ms');
    assert.ok(clock.pending() === 0, `${clock.pending()} timer(s) were still pending after fetchAllNews resolved; clear the timeout timers once the sources have answered`);
  });

  test('leaves no timer pending after resolving on a timeout', async () => {
    const { fns } = makeSources([{ never: true }, { ms: 50, articles: ['b'] }, { never: true }]);
    const state = start(fns, { timeoutMs: 300 });
    await clock.tickAsync(320);
    assertResolved(state, 'at 320 ms although the timeout was 300 ms');
    assert.ok(clock.pending() === 0, `${clock.pending()} timer(s) were still pending after fetchAllNews resolved on its timeout`);
  });

  test('waits for a slow source when no timeout is given', async () => {
    const { fns } = makeSources([
      { ms: 60_000, articles: ['patient'] },
      { ms: 10, articles: ['quick'] },
    ]);
    const state = start(fns);
    await clock.tickAsync(59_000);
    assert.ok(!state.settled, 'without timeoutMs, fetchAllNews resolved before its slowest source (60 s) had answered; there should be no timeout');
    await clock.tickAsync(2_000);
    const result = assertResolved(state, 'at 61 s although both sources had answered by 60 s');
    assertResult(result, { articles: ['patient', 'quick'], failed: [] }, 'no timeout given, sources answering at 60 s and 10 ms');
  });

  test('a source answering after the timeout does not change the returned result', async () => {
    const { fns } = makeSources([
      { ms: 100, articles: ['a'] },
      { ms: 900, articles: ['late'] },
      { ms: 800, error: new Error('late failure') },
    ]);
    const state = start(fns, { timeoutMs: 500 });
    await clock.tickAsync(520);
    const result = assertResolved(state, 'at 520 ms although the timeout was 500 ms');
    const expected = { articles: ['a'], failed: [1, 2] };
    assertResult(result, expected, 'sources answering at 900 ms and failing at 800 ms, timeout 500 ms');
    await clock.tickAsync(1000);
    assertResult(result, expected, 'after the late sources answered, the already returned result changed');
  });

  test('resolves empty lists when there are no sources', async () => {
    for (const options of [[], [{ timeoutMs: 100 }]]) {
      const state = start([], ...options);
      await clock.tickAsync(200);
      const result = assertResolved(state, `for an empty list of sources${options.length ? ' with a timeout' : ''}`);
      assertResult(result, { articles: [], failed: [] }, 'no sources');
      assert.ok(clock.pending() === 0, `${clock.pending()} timer(s) were left pending for an empty list of sources`);
    }
  });
};

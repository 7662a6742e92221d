// Hidden tests for js-correlation-id. The handlers use Node's real timers (node:timers): the fake
// clock's timers are plain callbacks that do not carry an async context the way real ones do.
// Interleavings are driven by gates the test opens in a chosen order, never by timing.
const timers = require('node:timers');
const timersPromises = require('node:timers/promises');
const { EventEmitter } = require('node:events');

module.exports = ({ test, assert, load }) => {
  const show = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (value === undefined) return 'undefined';
    return JSON.stringify(value);
  };

  function setup() {
    const { createRequestContext } = load();
    const entries = [];
    const generated = [];
    let ctx;
    try {
      ctx = createRequestContext({
        newId: () => {
          const id = `gen-${generated.length + 1}`;
          generated.push(id);
          return id;
        },
        write: (entry) => entries.push(entry),
      });
    } catch (err) {
      assert.fail(`createRequestContext({ newId, write }) threw ${show(err)}`);
    }
    for (const name of ['handle', 'correlationId', 'log', 'bind']) {
      assert.ok(ctx && typeof ctx[name] === 'function', `createRequestContext should return an object with a ${name} function, got ${show(ctx && typeof ctx[name])}`);
    }
    return { ctx, entries, generated };
  }

  // Starts one request; records the outcome, and the id the caller sees right after handle()
  // returned (it must be the caller's own, not the request's).
  function request(ctx, headers, handler) {
    const state = { settled: false, fulfilled: false, rejected: false, value: undefined, error: undefined, callerIdAfterCall: undefined };
    let promise;
    try {
      promise = ctx.handle(headers, handler);
    } catch (err) {
      assert.fail(`handle() threw ${show(err)} synchronously; a failing handler should give { status: 500 }`);
    }
    state.callerIdAfterCall = ctx.correlationId();
    assert.ok(promise && typeof promise.then === 'function', `handle() should return a promise, got ${show(promise)}`);
    promise.then(
      (value) => Object.assign(state, { settled: true, fulfilled: true, value }),
      (error) => Object.assign(state, { settled: true, rejected: true, error }),
    );
    return state;
  }

  const withId = (id) => ({ 'x-correlation-id': id });

  function gate() {
    let open;
    const promise = new Promise((resolve) => {
      open = resolve;
    });
    return { promise, open };
  }

  // Lets real callbacks (timers, immediates, promise callbacks) run until `condition()` holds,
  // for at most 2 s of real time.
  async function waitFor(condition, what) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200000; i += 1) {
      if (condition()) return;
      if (Number(process.hrtime.bigint() - start) / 1e6 > 2000) break;
      await new Promise((resolve) => timers.setImmediate(resolve));
    }
    assert.fail(`${what} had not happened after 2 s`);
  }

  async function settle() {
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => timers.setImmediate(resolve));
  }

  function assertResponse(state, expected, situation) {
    assert.ok(state.settled, `${situation}: handle() had not settled`);
    assert.ok(state.fulfilled, `${situation}: handle() rejected with ${show(state.error)}; it should always resolve { correlationId, status, ... }`);
    const value = state.value || {};
    const ok = value.correlationId === expected.correlationId && value.status === expected.status
      && (!('body' in expected) || value.body === expected.body);
    assert.ok(ok, `${situation}: handle() should resolve ${show(expected)}, got ${show(state.value)}`);
  }

  const describeLog = (entries) => entries.map((e) => `${show(e.correlationId)} ${e.message}`).join(' | ');

  // Every line whose message is in `messages` must exist once and carry `id`.
  function assertLogged(entries, messages, id, situation) {
    for (const message of messages) {
      const found = entries.filter((e) => e && e.message === message);
      assert.ok(found.length === 1, `${situation}: expected one log line ${show(message)}, found ${found.length} (log: ${describeLog(entries)})`);
      assert.ok(
        found[0].correlationId === id,
        `${situation}: the line ${show(message)} was logged with correlation id ${show(found[0].correlationId)}, expected ${show(id)}`,
      );
    }
  }

  // The lines handle() writes itself, counted per id.
  function assertLifecycle(entries, id, ending, situation) {
    for (const message of ['request started', ending]) {
      const count = entries.filter((e) => e && e.message === message && e.correlationId === id).length;
      assert.ok(count === 1, `${situation}: expected one ${show(message)} line with correlation id ${show(id)}, found ${count} (log: ${describeLog(entries)})`);
    }
  }

  // ---- tests -----------------------------------------------------------------------------------

  test('uses a valid x-correlation-id header as the id, logs the request\'s start and end with it', async () => {
    const { ctx, entries, generated } = setup();
    const state = request(ctx, withId('checkout-7f3a.1_B'), async () => {
      ctx.log('loading the cart');
      await null;
      ctx.log('cart loaded');
      return ctx.correlationId();
    });
    await settle();
    assertLogged(entries, ['loading the cart', 'cart loaded'], 'checkout-7f3a.1_B', 'a request with the header "checkout-7f3a.1_B"');
    assertLifecycle(entries, 'checkout-7f3a.1_B', 'request finished', 'a request with the header "checkout-7f3a.1_B"');
    assertResponse(state, { correlationId: 'checkout-7f3a.1_B', status: 200, body: 'checkout-7f3a.1_B' }, 'a request with the header "checkout-7f3a.1_B"');
    assert.ok(generated.length === 0, `newId() was called ${generated.length} time(s) for a request whose header was valid`);
  });

  test('generates an id with newId() for a request without the header, once per request', async () => {
    const { ctx, entries, generated } = setup();
    const first = request(ctx, {}, async () => ctx.correlationId());
    await settle();
    const second = request(ctx, { accept: 'application/json' }, async () => ctx.correlationId());
    await settle();
    assert.ok(generated.length === 2, `two requests without the header should call newId() once each, it was called ${generated.length} time(s)`);
    assertResponse(first, { correlationId: 'gen-1', status: 200, body: 'gen-1' }, 'the first request without the header');
    assertResponse(second, { correlationId: 'gen-2', status: 200, body: 'gen-2' }, 'the second request without the header');
    assertLifecycle(entries, 'gen-1', 'request finished', 'the first request without the header');
  });

  test('does not trust a malformed x-correlation-id header', async () => {
    const cases = [
      ['abc\n2024-01-01 INFO payment approved', 'a header with a newline (a forged log line)'],
      ['x'.repeat(65), 'a 65-character header'],
      ['', 'an empty header'],
      ['id with spaces', 'a header with spaces'],
      ['<script>', 'a header with < and >'],
    ];
    for (const [header, situation] of cases) {
      const { ctx, generated } = setup();
      const state = request(ctx, withId(header), async () => ctx.correlationId());
      await settle();
      assert.ok(generated.length === 1, `${situation}: newId() should be called once (the header is not a usable id), it was called ${generated.length} time(s)`);
      assertResponse(state, { correlationId: 'gen-1', status: 200, body: 'gen-1' }, situation);
    }
    const { ctx } = setup();
    const longest = request(ctx, withId('y'.repeat(64)), async () => ctx.correlationId());
    await settle();
    assertResponse(longest, { correlationId: 'y'.repeat(64), status: 200, body: 'y'.repeat(64) }, 'a 64-character header (the longest valid one)');
  });

  test('keeps the id across awaits, promise callbacks, nextTick, timers and setImmediate', async () => {
    const { ctx, entries } = setup();
    const state = request(ctx, withId('req-42'), async () => {
      ctx.log('synchronous part');
      await null;
      ctx.log('after await');
      await Promise.resolve().then(() => ctx.log('in .then'));
      await new Promise((resolve) => process.nextTick(() => resolve(ctx.log('in process.nextTick'))));
      await new Promise((resolve) => queueMicrotask(() => resolve(ctx.log('in queueMicrotask'))));
      await new Promise((resolve) => timers.setTimeout(() => resolve(ctx.log('in setTimeout')), 1));
      await new Promise((resolve) => timers.setImmediate(() => resolve(ctx.log('in setImmediate'))));
      await new Promise((resolve) => {
        let ticks = 0;
        const interval = timers.setInterval(() => {
          ticks += 1;
          ctx.log(`in setInterval (${ticks})`);
          if (ticks === 2) {
            timers.clearInterval(interval);
            resolve();
          }
        }, 1);
      });
      await timersPromises.setTimeout(1);
      ctx.log('after timers/promises setTimeout');
      return 'done';
    });
    await waitFor(() => state.settled, 'the request (a few 1 ms timers)');
    assertResponse(state, { correlationId: 'req-42', status: 200, body: 'done' }, 'a request that awaits promises and timers');
    assertLogged(entries, [
      'synchronous part', 'after await', 'in .then', 'in process.nextTick', 'in queueMicrotask', 'in setTimeout',
      'in setImmediate', 'in setInterval (1)', 'in setInterval (2)', 'after timers/promises setTimeout',
    ], 'req-42', 'a request that awaits promises and timers');
  });

  test('keeps concurrent requests apart when their steps interleave', async () => {
    const { ctx, entries } = setup();
    const gates = { A: [gate(), gate()], B: [gate(), gate()], C: [gate(), gate()] };
    const states = {};
    for (const name of ['A', 'B', 'C']) {
      states[name] = request(ctx, withId(`req-${name}`), async () => {
        ctx.log(`${name}: step 1`);
        await gates[name][0].promise;
        ctx.log(`${name}: step 2`);
        await gates[name][1].promise;
        ctx.log(`${name}: step 3`);
        return ctx.correlationId();
      });
    }
    // A resumes first although C started last; then C, B, B again, A, C.
    for (const [name, step] of [['A', 0], ['C', 0], ['B', 0], ['B', 1], ['A', 1], ['C', 1]]) {
      gates[name][step].open();
      await settle();
    }
    for (const name of ['A', 'B', 'C']) {
      const situation = `request ${name}, interleaved with two others`;
      assertLogged(entries, [`${name}: step 1`, `${name}: step 2`, `${name}: step 3`], `req-${name}`, situation);
      assertResponse(states[name], { correlationId: `req-${name}`, status: 200, body: `req-${name}` }, situation);
      assertLifecycle(entries, `req-${name}`, 'request finished', situation);
    }
  });

  test('keeps the id in work that outlives the request, after other requests ran', async () => {
    const { ctx, entries } = setup();
    const first = request(ctx, withId('req-early'), async () => {
      timers.setTimeout(() => ctx.log('audit record written'), 30); // fire and forget
      return 'accepted';
    });
    await settle();
    assertResponse(first, { correlationId: 'req-early', status: 200, body: 'accepted' }, 'the request that left a timer behind');
    const second = request(ctx, withId('req-later'), async () => {
      await null;
      ctx.log('second request working');
    });
    await settle();
    assertResponse(second, { correlationId: 'req-later', status: 200 }, 'a second request, run while the first one\'s timer was pending');
    await waitFor(() => entries.some((e) => e && e.message === 'audit record written'), 'the first request\'s 30 ms timer');
    assertLogged(entries, ['audit record written'], 'req-early', 'a timer set by a request that had already answered, firing after another request ran');
  });

  test('has no id outside any request: before, right after handle() returns, and after', async () => {
    const { ctx, entries } = setup();
    assert.ok(ctx.correlationId() === undefined, `before any request, correlationId() should be undefined, got ${show(ctx.correlationId())}`);
    const hold = gate();
    const state = request(ctx, withId('req-inside'), async () => {
      await hold.promise;
      return 'ok';
    });
    assert.ok(state.callerIdAfterCall === undefined, `right after handle() returned (the request still running), the caller saw correlationId() ${show(state.callerIdAfterCall)}: the request's id leaked into the code that called handle()`);
    ctx.log('background job tick');
    hold.open();
    await settle();
    assertResponse(state, { correlationId: 'req-inside', status: 200, body: 'ok' }, 'the request');
    ctx.log('after the request');
    assertLogged(entries, ['background job tick', 'after the request'], undefined, 'log() called outside any request');
  });

  test('logs a failed request with its own id, first, middle or last of a batch, and a request after it is clean', async () => {
    const { ctx, entries, generated } = setup();
    const gates = [gate(), gate(), gate(), gate(), gate()];
    const failing = new Set([0, 2, 4]); // the first, a middle and the last-started request
    const states = gates.map((g, i) => request(ctx, withId(`batch-${i + 1}`), async () => {
      ctx.log(`request ${i + 1}: working`);
      await g.promise;
      if (failing.has(i)) throw new Error(`inventory service timed out (${i + 1})`);
      ctx.log(`request ${i + 1}: done`);
      return i + 1;
    }));
    for (const i of [2, 0, 3, 4, 1]) {
      gates[i].open();
      await settle();
    }
    const after = request(ctx, {}, async () => {
      ctx.log('new arrival: working');
      await timersPromises.setImmediate();
      ctx.log('new arrival: done');
      return 'fresh';
    });
    await waitFor(() => after.settled, 'the request that arrived after the failures');
    ctx.log('outside, after the batch');
    states.forEach((state, i) => {
      const id = `batch-${i + 1}`;
      const position = i === 0 ? 'the first request' : i === 4 ? 'the last-started request' : `request ${i + 1}`;
      if (failing.has(i)) {
        assertLogged(entries, [`request failed: inventory service timed out (${i + 1})`], id, `${position} of the batch, which failed`);
        assertResponse(state, { correlationId: id, status: 500 }, `${position} of the batch, which failed`);
      } else {
        assertLogged(entries, [`request ${i + 1}: done`], id, `${position} of the batch, which succeeded`);
        assertLifecycle(entries, id, 'request finished', `${position} of the batch, which succeeded`);
        assertResponse(state, { correlationId: id, status: 200, body: i + 1 }, `${position} of the batch`);
      }
    });
    assert.ok(generated.length === 1, `only the request without a header needs a new id, newId() was called ${generated.length} time(s)`);
    assertLogged(entries, ['new arrival: working', 'new arrival: done'], 'gen-1', 'the request that arrived after three requests of the batch had failed');
    assertLifecycle(entries, 'gen-1', 'request finished', 'the request that arrived after the failures');
    assertResponse(after, { correlationId: 'gen-1', status: 200, body: 'fresh' }, 'the request that arrived after the failures');
    assertLogged(entries, ['outside, after the batch'], undefined, 'log() called outside any request after the batch');
  });

  test('turns a handler that throws synchronously into a logged 500', async () => {
    const { ctx, entries } = setup();
    const state = request(ctx, withId('req-sync'), () => {
      throw new Error('invalid order payload');
    });
    await settle();
    assertResponse(state, { correlationId: 'req-sync', status: 500 }, 'a handler that throws before returning a promise');
    assertLogged(entries, ['request failed: invalid order payload'], 'req-sync', 'a handler that throws before returning a promise');
  });

  test('gives a request started inside another one its own id, and the outer id back afterwards', async () => {
    const { ctx, entries } = setup();
    const outer = request(ctx, withId('req-outer'), async () => {
      ctx.log('outer: before');
      const inner = await ctx.handle(withId('req-inner'), async () => {
        ctx.log('inner: working');
        await timersPromises.setImmediate();
        ctx.log('inner: done');
        return 'inner body';
      });
      ctx.log('outer: after');
      return inner && inner.correlationId;
    });
    await waitFor(() => outer.settled, 'the outer request');
    assertResponse(outer, { correlationId: 'req-outer', status: 200, body: 'req-inner' }, 'a request that ran an inner request with its own header');
    assertLogged(entries, ['inner: working', 'inner: done'], 'req-inner', 'the inner request');
    assertLogged(entries, ['outer: before', 'outer: after'], 'req-outer', 'the outer request, before and after its inner request');
  });

  test('bind: a listener bound in a request runs with that request\'s id, whoever emits', async () => {
    const { ctx, entries } = setup();
    const bus = new EventEmitter(); // shared by the whole process, created outside any request
    bus.on('order-paid', (orderId) => ctx.log(`startup listener: ${orderId}`));
    const registered = gate();
    const emitNow = gate();
    const a = request(ctx, withId('req-A'), async () => {
      bus.on('order-paid', ctx.bind((orderId) => ctx.log(`A's listener: ${orderId}`)));
      registered.open();
      await emitNow.promise;
    });
    await registered.promise;
    const b = request(ctx, withId('req-B'), async () => {
      await null;
      bus.emit('order-paid', 'o-1');
    });
    await settle();
    bus.emit('order-paid', 'o-2'); // from outside any request
    emitNow.open();
    await settle();
    assertResponse(a, { correlationId: 'req-A', status: 200 }, 'request A');
    assertResponse(b, { correlationId: 'req-B', status: 200 }, 'request B');
    assertLogged(entries, ['A\'s listener: o-1'], 'req-A', 'a listener bound in request A, called when request B emitted');
    assertLogged(entries, ['A\'s listener: o-2'], 'req-A', 'a listener bound in request A, called when code outside any request emitted');
    assertLogged(entries, ['startup listener: o-1'], 'req-B', 'an unbound listener runs in the context of emit(): request B emitted');
  });

  test('bind: callbacks queued by a shared batching client keep each request\'s id', async () => {
    const { ctx, entries } = setup();
    // A client that sends the queries of one event-loop turn together and calls every callback
    // from its flush, which runs in the context of the request that scheduled it.
    const queue = [];
    const client = {
      query(sql, callback) {
        queue.push({ sql, callback });
        if (queue.length === 1) timers.setImmediate(() => queue.splice(0).forEach((q) => q.callback(null, `rows of ${q.sql}`)));
      },
    };
    const states = ['A', 'B', 'C'].map((name) => request(ctx, withId(`req-${name}`), async () => {
      await null;
      const rows = await new Promise((resolve) => client.query(`orders ${name}`, ctx.bind((err, result) => {
        ctx.log(`${name}: callback got ${result}`);
        resolve(result);
      })));
      return rows;
    }));
    await waitFor(() => states.every((s) => s.settled), 'the three requests');
    ['A', 'B', 'C'].forEach((name, i) => {
      assertLogged(entries, [`${name}: callback got rows of orders ${name}`], `req-${name}`, `the bound callback of request ${name}, called from a flush request A scheduled`);
      assertResponse(states[i], { correlationId: `req-${name}`, status: 200, body: `rows of orders ${name}` }, `request ${name}`);
    });
  });

  test('bind: passes the arguments and returns the result; bound outside a request, no id', async () => {
    const { ctx } = setup();
    const outside = ctx.bind(() => ctx.correlationId());
    let add;
    const state = request(ctx, withId('req-bind'), async () => {
      add = ctx.bind((a, b) => [a + b, ctx.correlationId()]);
      return outside();
    });
    await settle();
    assertResponse(state, { correlationId: 'req-bind', status: 200, body: undefined }, 'a request calling a function bound outside any request (it must see no id)');
    const result = add(2, 3);
    assert.ok(
      Array.isArray(result) && result[0] === 5 && result[1] === 'req-bind',
      `a function bound in request "req-bind" as (a, b) => [a + b, correlationId()] and called outside with (2, 3) should return [5, "req-bind"], got ${show(result)}`,
    );
  });

  test('keeps 200 concurrent requests apart while they await different numbers of turns', async () => {
    const { ctx, entries } = setup();
    const states = Array.from({ length: 200 }, (_, i) => request(ctx, withId(`bulk-${i}`), async () => {
      for (let step = 0; step < 3; step += 1) {
        for (let turn = 0; turn < (i * 7 + step * 3) % 5; turn += 1) await timersPromises.setImmediate();
        ctx.log(`bulk ${i}: step ${step}`);
      }
      return ctx.correlationId();
    }));
    await waitFor(() => states.every((s) => s.settled), 'the 200 requests');
    const wrong = entries.filter((e) => e && /^bulk \d+: step \d$/.test(e.message) && e.correlationId !== `bulk-${e.message.split(/[ :]/)[1]}`);
    assert.ok(wrong.length === 0, `${wrong.length} of 600 log lines carried another request's id, e.g. ${wrong.slice(0, 3).map((e) => `${show(e.message)} with ${show(e.correlationId)}`).join(', ')}`);
    const bad = states.findIndex((s, i) => !(s.fulfilled && s.value && s.value.body === `bulk-${i}`));
    assert.ok(bad === -1, `request bulk-${bad} should resolve with body "bulk-${bad}", got ${bad === -1 ? '' : show(states[bad].value || states[bad].error)}`);
  });
};

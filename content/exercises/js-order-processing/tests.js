// Hidden tests for js-order-processing. Services are fakes that take virtual time.
const { isDeepStrictEqual } = require('node:util');

const STEP_MS = 100;

module.exports = ({ test, assert, clock, load }) => {
  function describe(value) {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }

  // behaviours: { name: { value } | { rejects } | { throws }, ms? }
  function fakeServices(behaviours = {}) {
    const log = [];
    const calls = { verifyPayment: [], updateOrderStatus: [], sendCustomerEmail: [], refundPayment: [], scheduleEmailRetry: [] };
    const defaults = {
      verifyPayment: { value: true },
      updateOrderStatus: { value: undefined },
      sendCustomerEmail: { value: undefined },
      refundPayment: { value: undefined },
      scheduleEmailRetry: { value: undefined },
    };
    const services = {};
    for (const name of Object.keys(calls)) {
      const behaviour = behaviours[name] || defaults[name];
      services[name] = (...args) => {
        calls[name].push(args);
        log.push(`${name} started`);
        if ('throws' in behaviour) {
          log.push(`${name} finished`);
          throw behaviour.throws;
        }
        return new Promise((resolve, reject) => {
          setTimeout(() => {
            log.push(`${name} finished`);
            if ('rejects' in behaviour) reject(behaviour.rejects);
            else resolve(behaviour.value);
          }, behaviour.ms ?? STEP_MS);
        });
      };
    }
    return { services, calls, log };
  }

  function start(orderId, services) {
    const { processOrder } = load();
    let promise;
    try {
      promise = processOrder(orderId, services);
    } catch (err) {
      assert.fail(`processOrder threw synchronously (${describe(err)}) instead of resolving a result`);
    }
    assert.ok(promise && typeof promise.then === 'function', 'processOrder must return a promise');
    const state = { settled: false, value: undefined, error: undefined, rejected: false };
    promise.then(
      (value) => Object.assign(state, { settled: true, value }),
      (error) => Object.assign(state, { settled: true, rejected: true, error }),
    );
    return state;
  }

  async function finish(state, situation) {
    await clock.tickAsync(3000);
    assert.ok(state.settled, `processOrder had not resolved 3 s (virtual) after ${situation}, although every service had answered`);
    assert.ok(!state.rejected, `processOrder rejected with ${describe(state.error)} after ${situation}; it must never reject`);
    return state.value;
  }

  function assertResult(result, expected, situation) {
    assert.ok(result && typeof result === 'object', `after ${situation}, processOrder should resolve an object but resolved ${describe(result)}`);
    const { errorMentions, ...fields } = expected;
    if ('error' in fields || errorMentions !== undefined) {
      assert.ok(typeof result.error === 'string', `after ${situation}, "error" should be a message string but was ${describe(result.error)}`);
      assert.ok(result.error.length > 0, `after ${situation}, "error" should not be empty`);
      if (errorMentions) {
        assert.ok(result.error.includes(errorMentions), `after ${situation}, "error" should contain "${errorMentions}" but was ${describe(result.error)}`);
      }
      fields.error = result.error;
    }
    assert.ok(isDeepStrictEqual(result, fields), `after ${situation}, processOrder should resolve ${describe(fields)} but resolved ${describe(result)}`);
  }

  function assertNotCalled(calls, names, situation) {
    for (const name of names) {
      assert.ok(calls[name].length === 0, `${name} was called although ${situation}`);
    }
  }

  test('resolves completed with emailSent true when every step succeeds', async () => {
    const { services } = fakeServices();
    const result = await finish(start('o-1', services), 'a successful order');
    assertResult(result, { orderId: 'o-1', status: 'completed', emailSent: true }, 'a successful order');
  });

  test('runs verify, status update and email strictly one after another', async () => {
    const { services, log } = fakeServices();
    await finish(start('o-1', services), 'a successful order');
    const order = ['verifyPayment', 'updateOrderStatus', 'sendCustomerEmail'];
    for (let i = 1; i < order.length; i += 1) {
      const started = log.indexOf(`${order[i]} started`);
      const previousDone = log.indexOf(`${order[i - 1]} finished`);
      assert.ok(started >= 0, `${order[i]} was never called`);
      assert.ok(
        started > previousDone && previousDone >= 0,
        `${order[i]} started before ${order[i - 1]} had finished (events: ${log.join(', ')})`,
      );
    }
  });

  test('passes the order id to every service and marks the order as Paid', async () => {
    const { services, calls } = fakeServices();
    await finish(start('o-42', services), 'a successful order');
    assert.ok(isDeepStrictEqual(calls.verifyPayment, [['o-42']]), `verifyPayment should be called once with the order id, got calls ${describe(calls.verifyPayment)}`);
    assert.ok(isDeepStrictEqual(calls.updateOrderStatus, [['o-42', 'Paid']]), `updateOrderStatus should be called once with (orderId, 'Paid'), got calls ${describe(calls.updateOrderStatus)}`);
    assert.ok(isDeepStrictEqual(calls.sendCustomerEmail, [['o-42']]), `sendCustomerEmail should be called once with the order id, got calls ${describe(calls.sendCustomerEmail)}`);
    assertNotCalled(calls, ['refundPayment', 'scheduleEmailRetry'], 'every step succeeded');
  });

  test('does not resolve before the confirmation email has been sent', async () => {
    const { services } = fakeServices({ sendCustomerEmail: { value: undefined, ms: 1500 } });
    const state = start('o-1', services);
    // verify and update take 100 ms each, so the email runs from 200 ms to 1700 ms.
    await clock.tickAsync(900);
    assert.ok(!state.settled, 'processOrder resolved while sendCustomerEmail was still in progress');
    const result = await finish(state, 'a slow but successful email');
    assertResult(result, { orderId: 'o-1', status: 'completed', emailSent: true }, 'a slow but successful email');
  });

  test('a declined payment resolves failed at verifyPayment and calls nothing else', async () => {
    const { services, calls } = fakeServices({ verifyPayment: { value: false } });
    const result = await finish(start('o-7', services), 'a declined payment');
    assertNotCalled(calls, ['updateOrderStatus', 'sendCustomerEmail', 'refundPayment', 'scheduleEmailRetry'], 'the payment was declined');
    assertResult(result, { orderId: 'o-7', status: 'failed', failedStep: 'verifyPayment', error: true }, 'a declined payment (verifyPayment resolved false)');
  });

  test('a rejected verification resolves failed with its message and calls nothing else', async () => {
    const { services, calls } = fakeServices({ verifyPayment: { rejects: new Error('card network down') } });
    const result = await finish(start('o-7', services), 'verifyPayment rejected');
    assertNotCalled(calls, ['updateOrderStatus', 'sendCustomerEmail', 'refundPayment', 'scheduleEmailRetry'], 'verifyPayment rejected');
    assertResult(result, { orderId: 'o-7', status: 'failed', failedStep: 'verifyPayment', errorMentions: 'card network down' }, 'verifyPayment rejected with Error("card network down")');
  });

  test('a verification that throws synchronously resolves failed instead of throwing', async () => {
    const { services, calls } = fakeServices({ verifyPayment: { throws: new TypeError('bad card data') } });
    const result = await finish(start('o-7', services), 'verifyPayment threw synchronously');
    assertNotCalled(calls, ['updateOrderStatus', 'sendCustomerEmail', 'refundPayment', 'scheduleEmailRetry'], 'verifyPayment threw');
    assertResult(result, { orderId: 'o-7', status: 'failed', failedStep: 'verifyPayment', errorMentions: 'bad card data' }, 'verifyPayment threw TypeError("bad card data") synchronously');
  });

  test('a service rejecting with a plain string still yields a string error', async () => {
    const { services } = fakeServices({ verifyPayment: { rejects: 'gateway timeout' } });
    const result = await finish(start('o-8', services), 'verifyPayment rejected with a string');
    assertResult(result, { orderId: 'o-8', status: 'failed', failedStep: 'verifyPayment', errorMentions: 'gateway timeout' }, 'verifyPayment rejected with the string "gateway timeout"');
  });

  test('refunds exactly once when the status update fails, and sends no email', async () => {
    const { services, calls } = fakeServices({ updateOrderStatus: { rejects: new Error('database unavailable') } });
    const result = await finish(start('o-9', services), 'updateOrderStatus rejected');
    assert.ok(isDeepStrictEqual(calls.refundPayment, [['o-9']]), `refundPayment should be called exactly once with the order id after updateOrderStatus failed, got calls ${describe(calls.refundPayment)}`);
    assertNotCalled(calls, ['sendCustomerEmail', 'scheduleEmailRetry'], 'updateOrderStatus failed');
    assertResult(result, { orderId: 'o-9', status: 'failed', failedStep: 'updateOrderStatus', errorMentions: 'database unavailable' }, 'updateOrderStatus rejected and the refund succeeded');
    assert.ok(!Object.prototype.hasOwnProperty.call(result, 'refundFailed'), 'refundFailed must be left out when the refund succeeded');
  });

  test('reports refundFailed when the refund fails too', async () => {
    const { services, calls } = fakeServices({
      updateOrderStatus: { rejects: new Error('database unavailable') },
      refundPayment: { rejects: new Error('refund service down') },
    });
    const result = await finish(start('o-9', services), 'updateOrderStatus and refundPayment rejected');
    assert.ok(calls.refundPayment.length === 1, `refundPayment should be called exactly once, was called ${calls.refundPayment.length} times`);
    assertNotCalled(calls, ['sendCustomerEmail', 'scheduleEmailRetry'], 'updateOrderStatus failed');
    assertResult(result, { orderId: 'o-9', status: 'failed', failedStep: 'updateOrderStatus', errorMentions: 'database unavailable', refundFailed: true }, 'updateOrderStatus rejected and the refund rejected too');
  });

  test('a status update that throws synchronously is refunded like a rejected one', async () => {
    const { services, calls } = fakeServices({ updateOrderStatus: { throws: new Error('connection pool exhausted') } });
    const result = await finish(start('o-10', services), 'updateOrderStatus threw synchronously');
    assert.ok(isDeepStrictEqual(calls.refundPayment, [['o-10']]), `refundPayment should be called exactly once after updateOrderStatus threw, got calls ${describe(calls.refundPayment)}`);
    assertNotCalled(calls, ['sendCustomerEmail', 'scheduleEmailRetry'], 'updateOrderStatus threw');
    assertResult(result, { orderId: 'o-10', status: 'failed', failedStep: 'updateOrderStatus', errorMentions: 'connection pool exhausted' }, 'updateOrderStatus threw synchronously');
  });

  test('a status update rejecting with a plain string still yields a string error, and is refunded', async () => {
    const { services, calls } = fakeServices({ updateOrderStatus: { rejects: 'deadlock detected' } });
    const result = await finish(start('o-17', services), 'updateOrderStatus rejected with a string');
    assert.ok(isDeepStrictEqual(calls.refundPayment, [['o-17']]), `refundPayment should be called exactly once after updateOrderStatus rejected, got calls ${describe(calls.refundPayment)}`);
    assertResult(result, { orderId: 'o-17', status: 'failed', failedStep: 'updateOrderStatus', errorMentions: 'deadlock detected' }, 'updateOrderStatus rejected with the string "deadlock detected"');
  });

  test('a refund that throws synchronously is reported as refundFailed, and processOrder still resolves', async () => {
    const { services, calls } = fakeServices({
      updateOrderStatus: { rejects: new Error('database unavailable') },
      refundPayment: { throws: new Error('refund client not configured') },
    });
    const result = await finish(start('o-18', services), 'updateOrderStatus rejected and refundPayment threw synchronously');
    assert.ok(calls.refundPayment.length === 1, `refundPayment should be called exactly once, was called ${calls.refundPayment.length} times`);
    assertNotCalled(calls, ['sendCustomerEmail', 'scheduleEmailRetry'], 'updateOrderStatus failed');
    assertResult(result, { orderId: 'o-18', status: 'failed', failedStep: 'updateOrderStatus', errorMentions: 'database unavailable', refundFailed: true }, 'updateOrderStatus rejected and refundPayment threw synchronously');
  });

  test('waits for the refund to finish before resolving', async () => {
    const { services } = fakeServices({
      updateOrderStatus: { rejects: new Error('database unavailable') },
      refundPayment: { value: undefined, ms: 1500 },
    });
    const state = start('o-11', services);
    // verify and update take 100 ms each, so the refund runs from 200 ms to 1700 ms.
    await clock.tickAsync(900);
    assert.ok(!state.settled, 'processOrder resolved while refundPayment was still in progress');
    await finish(state, 'a slow refund');
  });

  test('a failed email keeps the order completed with emailSent false, records a retry, and refunds nothing', async () => {
    const { services, calls, log } = fakeServices({ sendCustomerEmail: { rejects: new Error('smtp down') } });
    const result = await finish(start('o-12', services), 'sendCustomerEmail rejected');
    assertResult(result, { orderId: 'o-12', status: 'completed', emailSent: false }, 'sendCustomerEmail rejected and the retry was recorded');
    assertNotCalled(calls, ['refundPayment'], 'only the email failed (the order is paid and recorded)');
    assert.ok(isDeepStrictEqual(calls.scheduleEmailRetry, [['o-12']]), `scheduleEmailRetry should be called exactly once with the order id after the email failed, so a retry job can find it; got calls ${describe(calls.scheduleEmailRetry)}`);
    assert.ok(log.indexOf('scheduleEmailRetry started') > log.indexOf('sendCustomerEmail finished'), `the retry should be recorded after the email failed (events: ${log.join(', ')})`);
  });

  test('an email that throws synchronously keeps the order completed and records a retry', async () => {
    const { services, calls } = fakeServices({ sendCustomerEmail: { throws: 'template missing' } });
    const result = await finish(start('o-13', services), 'sendCustomerEmail threw synchronously');
    assertResult(result, { orderId: 'o-13', status: 'completed', emailSent: false }, 'sendCustomerEmail threw synchronously');
    assertNotCalled(calls, ['refundPayment'], 'only the email failed');
    assert.ok(isDeepStrictEqual(calls.scheduleEmailRetry, [['o-13']]), `scheduleEmailRetry should be called exactly once with the order id after the email threw, got calls ${describe(calls.scheduleEmailRetry)}`);
  });

  test('reports emailRetryFailed when recording the email retry fails too, and still resolves', async () => {
    const { services, calls } = fakeServices({
      sendCustomerEmail: { rejects: new Error('smtp down') },
      scheduleEmailRetry: { rejects: 'retry table locked' },
    });
    const result = await finish(start('o-14', services), 'sendCustomerEmail and scheduleEmailRetry rejected');
    assert.ok(calls.scheduleEmailRetry.length === 1, `scheduleEmailRetry should be called exactly once, was called ${calls.scheduleEmailRetry.length} times`);
    assertNotCalled(calls, ['refundPayment'], 'only the email and its retry record failed (the order is paid and recorded)');
    assertResult(result, { orderId: 'o-14', status: 'completed', emailSent: false, emailRetryFailed: true }, 'the email failed and recording its retry rejected too');
  });

  test('a retry record that throws synchronously is reported like a rejected one', async () => {
    const { services } = fakeServices({
      sendCustomerEmail: { rejects: new Error('smtp down') },
      scheduleEmailRetry: { throws: new Error('retry queue misconfigured') },
    });
    const result = await finish(start('o-15', services), 'scheduleEmailRetry threw synchronously');
    assertResult(result, { orderId: 'o-15', status: 'completed', emailSent: false, emailRetryFailed: true }, 'the email failed and scheduleEmailRetry threw synchronously');
  });

  test('waits for the email retry to be recorded before resolving', async () => {
    const { services } = fakeServices({
      sendCustomerEmail: { rejects: new Error('smtp down') },
      scheduleEmailRetry: { value: undefined, ms: 1500 },
    });
    const state = start('o-16', services);
    // verify, update and the email take 100 ms each, so the retry is recorded from 300 ms to 1800 ms.
    await clock.tickAsync(1000);
    assert.ok(!state.settled, 'processOrder resolved while scheduleEmailRetry was still recording the retry');
    const result = await finish(state, 'a slow retry record');
    assertResult(result, { orderId: 'o-16', status: 'completed', emailSent: false }, 'the email failed and the retry was recorded slowly');
  });
};

// Alternative: a fresh store object per request, and bind() that captures the store and re-enters
// it with run() on every call.
const { AsyncLocalStorage } = require('node:async_hooks');

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore()?.correlationId;
  const log = (message) => write({ correlationId: correlationId(), message });

  const isUsable = (value) => typeof value === 'string' && value.length >= 1 && value.length <= 64
    && [...value].every((c) => /[A-Za-z0-9._-]/.test(c));

  async function runRequest(handler) {
    log('request started');
    try {
      const body = await handler();
      log('request finished');
      return { correlationId: correlationId(), status: 200, body };
    } catch (err) {
      log(`request failed: ${err.message}`);
      return { correlationId: correlationId(), status: 500 };
    }
  }

  function handle(headers = {}, handler) {
    const header = headers['x-correlation-id'];
    const store = { correlationId: isUsable(header) ? header : newId() };
    return storage.run(store, runRequest, handler);
  }

  function bind(fn) {
    const store = storage.getStore();
    return function bound(...args) {
      return storage.run(store, () => fn.apply(this, args));
    };
  }

  return { handle, correlationId, log, bind };
}

module.exports = { createRequestContext };

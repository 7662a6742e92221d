// Mistake: uses storage.enterWith(id) instead of storage.run(id, fn), so the id stays set in the caller's context after handle() returns and leaks into code outside the request
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore();
  const log = (message) => write({ correlationId: correlationId(), message });

  async function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    storage.enterWith(id);
    log('request started');
    try {
      const body = await handler();
      log('request finished');
      return { correlationId: id, status: 200, body };
    } catch (err) {
      log(`request failed: ${err && err.message}`);
      return { correlationId: id, status: 500 };
    }
  }

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

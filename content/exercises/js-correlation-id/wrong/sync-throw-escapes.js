// Mistake: chains the handler as Promise.resolve(handler()).then(...), so a handler that throws before returning a promise escapes handle() instead of becoming a logged 500
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore();
  const log = (message) => write({ correlationId: correlationId(), message });

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    return storage.run(id, () => {
      log('request started');
      return Promise.resolve(handler()).then(
        (body) => {
          log('request finished');
          return { correlationId: id, status: 200, body };
        },
        (err) => {
          log(`request failed: ${err && err.message}`);
          return { correlationId: id, status: 500 };
        },
      );
    });
  }

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

// Mistake: bind() reads the id when the callback is called instead of when it was bound, so a listener called from another request's context (or from none) gets the wrong id
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore();
  const log = (message) => write({ correlationId: correlationId(), message });

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    return storage.run(id, async () => {
      log('request started');
      try {
        const body = await handler();
        log('request finished');
        return { correlationId: id, status: 200, body };
      } catch (err) {
        log(`request failed: ${err && err.message}`);
        return { correlationId: id, status: 500 };
      }
    });
  }

  function bind(fn) {
    return (...args) => storage.run(correlationId(), () => fn(...args));
  }

  return { handle, correlationId, log, bind };
}

module.exports = { createRequestContext };

// Mistake: runs every request with the same mutable store object and only changes its id field, so the latest request's id shows up in all the others
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();
  const store = { id: undefined };

  const correlationId = () => storage.getStore()?.id;
  const log = (message) => write({ correlationId: correlationId(), message });

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    store.id = id;
    return storage.run(store, async () => {
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

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

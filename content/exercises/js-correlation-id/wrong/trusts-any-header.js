// Mistake: uses any x-correlation-id header as the id, so a header with a newline forges log lines and an empty or huge header becomes the id
const { AsyncLocalStorage } = require('node:async_hooks');

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore();
  const log = (message) => write({ correlationId: correlationId(), message });

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = header !== undefined ? header : newId();
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

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

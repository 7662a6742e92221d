// Mistake: keeps the current id in a module-level variable, set before the handler and restored when it finishes, so concurrent requests overwrite each other's id at every await
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  let current;

  const correlationId = () => current;
  const log = (message) => write({ correlationId: current, message });

  async function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    const previous = current;
    current = id;
    try {
      log('request started');
      const body = await handler();
      log('request finished');
      return { correlationId: id, status: 200, body };
    } catch (err) {
      log(`request failed: ${err && err.message}`);
      return { correlationId: id, status: 500 };
    } finally {
      current = previous;
    }
  }

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

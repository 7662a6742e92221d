// Mistake: catches the handler's failure after storage.run() has returned, back in the caller's context, so the "request failed" line (the one line worth searching for) has no id
const { AsyncLocalStorage } = require('node:async_hooks');

const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  const correlationId = () => storage.getStore();
  const log = (message) => write({ correlationId: correlationId(), message });

  async function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    try {
      const body = await storage.run(id, async () => {
        log('request started');
        const result = await handler();
        log('request finished');
        return result;
      });
      return { correlationId: id, status: 200, body };
    } catch (err) {
      log(`request failed: ${err && err.message}`);
      return { correlationId: id, status: 500 };
    }
  }

  return { handle, correlationId, log, bind: (fn) => AsyncLocalStorage.bind(fn) };
}

module.exports = { createRequestContext };

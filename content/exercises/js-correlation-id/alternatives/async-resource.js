// Alternative: AsyncResource for bind (what connection pools do), and handle() as an async
// function whose body is one run() call.
const { AsyncLocalStorage, AsyncResource } = require('node:async_hooks');

const ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const ids = new AsyncLocalStorage();
  const api = {
    correlationId: () => ids.getStore(),
    log: (message) => write({ correlationId: ids.getStore(), message }),
    async handle(headers, handler) {
      const given = headers?.['x-correlation-id'];
      const id = ID.test(given ?? '') && typeof given === 'string' ? given : newId();
      return ids.run(id, async () => {
        api.log('request started');
        let body;
        try {
          body = await handler();
        } catch (err) {
          api.log(`request failed: ${err?.message}`);
          return { correlationId: id, status: 500 };
        }
        api.log('request finished');
        return { correlationId: id, status: 200, body };
      });
    },
    bind(fn) {
      const resource = new AsyncResource('CorrelatedCallback');
      return (...args) => resource.runInAsyncScope(fn, undefined, ...args);
    },
  };
  return api;
}

module.exports = { createRequestContext };

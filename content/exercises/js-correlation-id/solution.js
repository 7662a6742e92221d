const { AsyncLocalStorage } = require('node:async_hooks');

// An id from a header is logged as is: accept only short, plain tokens (no newline can forge a
// log line, no megabyte header ends up in every log entry).
const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  const storage = new AsyncLocalStorage();

  function correlationId() {
    return storage.getStore();
  }

  function log(message) {
    write({ correlationId: correlationId(), message });
  }

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    // run() makes `id` current for this function and everything it starts (awaits, timers,
    // callbacks), and for nothing else: the caller's context is untouched once run() returns.
    // The failure is caught inside run() too, so "request failed" carries the id.
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

  // Captures the context current now: the returned function runs `fn` with this id, whoever calls
  // it later (a shared EventEmitter, a pool's queue). Same as AsyncResource.bind(fn).
  function bind(fn) {
    return AsyncLocalStorage.bind(fn);
  }

  return { handle, correlationId, log, bind };
}

module.exports = { createRequestContext };

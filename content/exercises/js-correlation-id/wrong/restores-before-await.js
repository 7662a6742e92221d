// Mistake: sets a module-level variable around the call to handler() and restores it in finally, which runs as soon as the handler first awaits, so everything after its first await has no id
const USABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function createRequestContext({ newId, write }) {
  let current;

  const correlationId = () => current;
  const log = (message) => write({ correlationId: current, message });

  function handle(headers, handler) {
    const header = headers ? headers['x-correlation-id'] : undefined;
    const id = typeof header === 'string' && USABLE_ID.test(header) ? header : newId();
    const previous = current;
    current = id;
    let pending;
    try {
      log('request started');
      pending = Promise.resolve(handler());
    } catch (err) {
      pending = Promise.reject(err);
    } finally {
      current = previous;
    }
    return pending.then(
      (body) => {
        log('request finished');
        return { correlationId: id, status: 200, body };
      },
      (err) => {
        log(`request failed: ${err && err.message}`);
        return { correlationId: id, status: 500 };
      },
    );
  }

  function bind(fn) {
    const id = current;
    return (...args) => {
      const previous = current;
      current = id;
      try {
        return fn(...args);
      } finally {
        current = previous;
      }
    };
  }

  return { handle, correlationId, log, bind };
}

module.exports = { createRequestContext };

// Alternative: a class, a .then chain started inside run(), and AsyncLocalStorage.snapshot() for bind.
const { AsyncLocalStorage } = require('node:async_hooks');

class RequestContext {
  constructor({ newId, write }) {
    this.newId = newId;
    this.write = write;
    this.storage = new AsyncLocalStorage();
  }

  correlationId() {
    return this.storage.getStore();
  }

  log(message) {
    this.write({ correlationId: this.correlationId(), message });
  }

  pickId(headers) {
    const header = headers && headers['x-correlation-id'];
    return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : this.newId();
  }

  handle(headers, handler) {
    const id = this.pickId(headers);
    return this.storage.run(id, () => {
      this.log('request started');
      return new Promise((resolve) => resolve(handler())).then(
        (body) => {
          this.log('request finished');
          return { correlationId: id, status: 200, body };
        },
        (err) => {
          this.log(`request failed: ${err.message}`);
          return { correlationId: id, status: 500 };
        },
      );
    });
  }

  bind(fn) {
    const runInCapturedContext = AsyncLocalStorage.snapshot();
    return (...args) => runInCapturedContext(fn, ...args);
  }
}

function createRequestContext(options) {
  return new RequestContext(options);
}

module.exports = { createRequestContext };

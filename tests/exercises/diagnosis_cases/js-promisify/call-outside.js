// Diagnosis case: sync-throw-escapes.js (calls fn before building the promise)
function promisify(fn) {
  return function promisified(...args) {
    let settle;
    const promise = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    fn.call(this, ...args, (err, result) => {
      if (err != null) settle.reject(err);
      else settle.resolve(result);
    });
    return promise;
  };
}

module.exports = { promisify };

// Mistake: calls fn once, when promisify is called, and hands every caller that same promise
function promisify(fn) {
  let promise;
  return function promisified(...args) {
    if (!promise) {
      promise = new Promise((resolve, reject) => {
        fn.call(this, ...args, (err, result) => (err ? reject(err) : resolve(result)));
      });
    }
    return promise;
  };
}

module.exports = { promisify };

// Mistake: calls fn outside the promise executor, so a synchronous throw escapes instead of rejecting the promise
function promisify(fn) {
  return function promisified(...args) {
    let settle;
    const promise = new Promise((resolve, reject) => {
      settle = (err, result) => (err ? reject(err) : resolve(result));
    });
    fn.call(this, ...args, settle);
    return promise;
  };
}

module.exports = { promisify };

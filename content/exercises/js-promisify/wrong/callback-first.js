// Mistake: passes the callback as the first argument instead of the last, against the Node convention
function promisify(fn) {
  return function promisified(...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, (err, result) => (err ? reject(err) : resolve(result)), ...args);
    });
  };
}

module.exports = { promisify };

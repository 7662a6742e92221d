// Mistake: treats only null as "no error", so a callback called as callback(undefined, result) rejects with undefined
function promisify(fn) {
  return function promisified(...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, result) => {
        if (err !== null) reject(err);
        else resolve(result);
      });
    });
  };
}

module.exports = { promisify };

// Mistake: decides success by looking at the result instead of the error, so a falsy result (0, '', false) rejects and an error passed with a result resolves
function promisify(fn) {
  return function promisified(...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, result) => {
        if (result) resolve(result);
        else reject(err);
      });
    });
  };
}

module.exports = { promisify };

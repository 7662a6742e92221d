// Diagnosis case: checks-result-not-error.js (resolves whenever there is a result)
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

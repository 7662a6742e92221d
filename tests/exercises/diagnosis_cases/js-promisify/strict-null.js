// Diagnosis case: undefined-error-rejects.js (only null counts as no error)
function promisify(fn) {
  return function promisified(...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, result) => {
        if (err === null) resolve(result);
        else reject(err);
      });
    });
  };
}

module.exports = { promisify };

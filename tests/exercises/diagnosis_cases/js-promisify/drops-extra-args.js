// Diagnosis case: none (passes only the first argument to fn: not catalogued)
function promisify(fn) {
  return function promisified(arg) {
    return new Promise((resolve, reject) => {
      fn.call(this, arg, (err, result) => (err != null ? reject(err) : resolve(result)));
    });
  };
}

module.exports = { promisify };

// Diagnosis case: arrow-loses-this.js (an arrow wrapper that calls fn with apply(null))
function promisify(fn) {
  return (...args) => new Promise((resolve, reject) => {
    fn.apply(null, [...args, (err, result) => (err != null ? reject(err) : resolve(result))]);
  });
}

module.exports = { promisify };

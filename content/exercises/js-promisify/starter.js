/**
 * Turn a function taking a Node-style callback into one returning a promise.
 *
 * @param {Function} fn called as fn(...args, (err, result) => {})
 * @returns {Function} called as fn(...args), returns a promise of the result
 */
function promisify(fn) {
  // Your code here.
}

module.exports = { promisify };

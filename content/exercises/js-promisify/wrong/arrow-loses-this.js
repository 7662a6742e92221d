// Mistake: returns an arrow function and calls fn(...args) without `this`, so a promisified method loses its object
function promisify(fn) {
  return (...args) => new Promise((resolve, reject) => {
    fn(...args, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}

module.exports = { promisify };

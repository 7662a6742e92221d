function promisify(fn) {
  // A regular function, so the caller's `this` reaches fn (an arrow function would lose it).
  return function promisified(...args) {
    // fn runs inside the executor: if it throws synchronously, the promise rejects. A promise
    // settles only once, so later calls of the callback are ignored.
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, result) => {
        if (err !== null && err !== undefined) reject(err);
        else resolve(result);
      });
    });
  };
}

module.exports = { promisify };

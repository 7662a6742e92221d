// Mistake: keeps the pending call's resolve/reject in one variable shared by every call, so when calls overlap a callback settles another call's promise and the first call never settles
function promisify(fn) {
  let pending = null; // { resolve, reject } of the call in progress; cleared by the first callback
  function callback(err, result) {
    if (pending === null) return;
    const { resolve, reject } = pending;
    pending = null;
    if (err !== null && err !== undefined) reject(err);
    else resolve(result);
  }
  return function promisified(...args) {
    return new Promise((resolve, reject) => {
      pending = { resolve, reject };
      fn.call(this, ...args, callback);
    });
  };
}

module.exports = { promisify };

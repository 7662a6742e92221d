// Mistake: attaches the error handler only to the first `limit` calls, so a call started later that fails is never reported and mapWithLimit never settles
function mapWithLimit(items, limit, fn) {
  return new Promise((resolve, reject) => {
    if (!(limit >= 1)) {
      reject(new RangeError('limit must be at least 1'));
      return;
    }
    const results = new Array(items.length);
    if (items.length === 0) {
      resolve(results);
      return;
    }
    let next = 0;
    let done = 0;
    let failed = false;
    const finished = (index) => (value) => {
      results[index] = value;
      done += 1;
      if (done === items.length) resolve(results);
      else if (!failed && next < items.length) startNext();
    };
    const startNext = () => {
      const index = next++;
      fn(items[index], index).then(finished(index));
    };
    while (next < Math.min(limit, items.length)) {
      const index = next++;
      fn(items[index], index).then(finished(index), (err) => {
        failed = true;
        reject(err);
      });
    }
  });
}

module.exports = { mapWithLimit };

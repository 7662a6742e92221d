// Mistake: a plain (non-async) function that throws the RangeError synchronously instead of returning a rejected promise
function mapWithLimit(items, limit, fn) {
  if (limit < 1) throw new RangeError('limit must be at least 1');
  const results = new Array(items.length);
  let next = 0;
  let failed = false;
  async function worker() {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  }
  return Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker)).then(() => results);
}

module.exports = { mapWithLimit };

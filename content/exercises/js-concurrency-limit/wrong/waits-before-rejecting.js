// Mistake: collects failures and rejects only after every call in flight has settled, instead of as soon as the first one fails
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  const results = new Array(items.length);
  let next = 0;
  let firstError = null;
  async function worker() {
    while (firstError === null && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        if (firstError === null) firstError = err;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError !== null) throw firstError;
  return results;
}

module.exports = { mapWithLimit };

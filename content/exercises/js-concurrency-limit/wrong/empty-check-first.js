// Mistake: returns [] for no items before validating the limit, so mapWithLimit([], 0, fn) resolves instead of rejecting with a RangeError
async function mapWithLimit(items, limit, fn) {
  if (items.length === 0) return [];
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
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

module.exports = { mapWithLimit };

// Mistake: pushes each result when its call finishes, so the results come in completion order instead of input order
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  const results = [];
  let next = 0;
  let failed = false;
  async function worker() {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results.push(await fn(items[index], index));
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

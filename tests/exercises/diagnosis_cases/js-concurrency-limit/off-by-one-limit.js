// Diagnosis case: none (starts limit - 1 workers: not catalogued)
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  const results = new Array(items.length);
  let next = 0;
  let failed = false;
  async function worker() {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  }
  const workers = [];
  for (let i = 0; i < Math.max(1, Math.min(limit - 1, items.length)); i += 1) workers.push(worker());
  await Promise.all(workers);
  return results;
}

module.exports = { mapWithLimit };

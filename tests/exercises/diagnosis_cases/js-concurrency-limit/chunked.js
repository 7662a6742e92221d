// Diagnosis case: batches.js (slices the items into chunks of `limit`, awaiting each chunk)
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  const results = [];
  for (let start = 0; start < items.length; start += limit) {
    const chunk = items.slice(start, start + limit);
    const done = await Promise.all(chunk.map((item, offset) => fn(item, start + offset)));
    results.push(...done);
  }
  return results;
}

module.exports = { mapWithLimit };

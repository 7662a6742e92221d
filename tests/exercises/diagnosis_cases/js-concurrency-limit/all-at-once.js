// Diagnosis case: no-limit.js (maps every item at once, the limit checked but unused)
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  return Promise.all(items.map((item, index) => fn(item, index)));
}

module.exports = { mapWithLimit };

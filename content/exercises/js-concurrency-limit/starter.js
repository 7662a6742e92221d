/**
 * Like Promise.all(items.map(fn)), but with at most `limit` calls of fn in flight.
 *
 * @param {Array} items
 * @param {number} limit
 * @param {(item: any, index: number) => Promise<any>} fn
 * @returns {Promise<Array>} the results, in input order
 */
async function mapWithLimit(items, limit, fn) {
  // Your code here.
}

module.exports = { mapWithLimit };

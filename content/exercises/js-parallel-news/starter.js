/**
 * Fetch from every source in parallel.
 *
 * @param {Array<() => Promise<object[]>>} sources
 * @param {{timeoutMs?: number}} [options]
 * @returns {Promise<{articles: object[], failed: number[]}>}
 */
async function fetchAllNews(sources, { timeoutMs } = {}) {
  // Your code here. Use the global setTimeout/clearTimeout for the timeout.
}

module.exports = { fetchAllNews };

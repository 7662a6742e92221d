/**
 * Write every row of `rows` to `out` as one JSON line, respecting backpressure.
 *
 * @param {AsyncIterable<object>} rows  a database cursor
 * @param {import('node:stream').Writable} out  the HTTP response (or any writable stream)
 * @returns {Promise<number>} the number of rows, once `out` has flushed them all
 */
async function exportRows(rows, out) {
  // Your code here: when out.write() returns false, wait for 'drain' before taking the next row.
}

module.exports = { exportRows };

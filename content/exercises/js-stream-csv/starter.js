const fs = require('fs');

/**
 * Stream a CSV file and sum its amounts per category.
 *
 * @param {string} filePath
 * @param {(err: Error | null, summary?: {rows: number, totals: Object<string, number>}) => void} callback
 */
function summarizeCsv(filePath, callback) {
  // Your code here: read the file with a stream (fs.createReadStream), never all at once.
}

module.exports = { summarizeCsv };

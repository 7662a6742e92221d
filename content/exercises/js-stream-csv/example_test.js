// A visible example: a small file written to the temporary folder.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = ({ test, assert, load }) => {
  test('summarizes a small file', async () => {
    const { summarizeCsv } = load();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-example-'));
    const file = path.join(dir, 'expenses.csv');
    fs.writeFileSync(file, 'category,amount\nfood,12.5\ntravel,100\nfood,7.5\n');
    try {
      const [err, result] = await new Promise((resolve) => {
        summarizeCsv(file, (...args) => resolve(args));
      });
      assert.equal(err, null, 'a valid file should call back with no error');
      assert.deepEqual(
        result,
        { rows: 3, totals: { food: 20, travel: 100 } },
        'three data rows; food 12.5 + 7.5, travel 100',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
};

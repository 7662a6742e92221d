// A visible example: a sink that takes 10 ms of virtual time per write.
const { Writable } = require('node:stream');

module.exports = ({ test, assert, clock, load }) => {
  test('writes each row as a JSON line and resolves with the count', async () => {
    const { exportRows } = load();
    let text = '';
    const out = new Writable({
      write(chunk, encoding, callback) {
        text += chunk.toString();
        setTimeout(callback, 10);
      },
    });
    async function* rows() {
      yield { id: 1, sku: 'A-1' };
      yield { id: 2, sku: 'B-2' };
      yield { id: 3, sku: 'C-3' };
    }
    const result = exportRows(rows(), out);
    let settled = false;
    result.then(() => { settled = true; }, () => { settled = true; });
    await clock.tickAsync(100);
    assert.ok(settled, 'exportRows had not settled 100 ms after three writes of 10 ms each');
    assert.equal(await result, 3, 'three rows were exported');
    assert.equal(
      text,
      '{"id":1,"sku":"A-1"}\n{"id":2,"sku":"B-2"}\n{"id":3,"sku":"C-3"}\n',
      'one JSON line per row, in order',
    );
  });
};

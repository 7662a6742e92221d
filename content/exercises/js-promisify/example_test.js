// A visible example: a callback-style function that answers after 100 ms of virtual time.
module.exports = ({ test, assert, clock, load }) => {
  test('resolves with the result passed to the callback', async () => {
    const { promisify } = load();
    const readConfig = promisify((name, callback) => {
      setTimeout(() => callback(null, { name, debug: false }), 100);
    });
    const promise = readConfig('app');
    await clock.tickAsync(200);
    assert.deepEqual(await promise, { name: 'app', debug: false }, 'the promise should resolve with the callback\'s result');
  });
};

// A visible example: each call takes 100 ms of virtual time.
module.exports = ({ test, assert, clock, load }) => {
  test('maps every item, results in input order', async () => {
    const { mapWithLimit } = load();
    const double = (n) => new Promise((resolve) => setTimeout(() => resolve(n * 2), 100));
    const result = mapWithLimit([1, 2, 3, 4, 5], 2, double);
    await clock.tickAsync(1000);
    assert.deepEqual(await result, [2, 4, 6, 8, 10], 'the results should be in the order of the items');
  });
};

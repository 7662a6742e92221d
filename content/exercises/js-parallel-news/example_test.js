// A visible example: three sources answering at different (virtual) times.
module.exports = ({ test, assert, clock, load }) => {
  test('combines the articles of every source in source order', async () => {
    const { fetchAllNews } = load();
    const source = (ms, articles) => () => new Promise((resolve) => setTimeout(() => resolve(articles), ms));
    const result = fetchAllNews([
      source(300, ['a1', 'a2']),
      source(100, ['b1']),
      source(200, ['c1']),
    ]);
    await clock.tickAsync(1000);
    assert.deepEqual(
      await result,
      { articles: ['a1', 'a2', 'b1', 'c1'], failed: [] },
      'the articles should be concatenated in the order of the sources',
    );
  });
};

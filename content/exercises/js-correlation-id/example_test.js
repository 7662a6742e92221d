// A visible example: two requests whose steps interleave.
module.exports = ({ test, assert, load }) => {
  test('each request logs with its own id', async () => {
    const { createRequestContext } = load();
    const entries = [];
    const ctx = createRequestContext({ newId: () => 'generated-1', write: (entry) => entries.push(entry) });
    let resumeA;
    const paused = new Promise((resolve) => { resumeA = resolve; });
    const a = ctx.handle({ 'x-correlation-id': 'req-A' }, async () => {
      await paused; // request B starts and finishes meanwhile
      ctx.log('charging the card');
      return 'paid';
    });
    const b = ctx.handle({}, async () => {
      ctx.log('listing orders');
      return [];
    });
    assert.deepEqual(await b, { correlationId: 'generated-1', status: 200, body: [] }, 'B has no header: its id comes from newId()');
    resumeA();
    assert.deepEqual(await a, { correlationId: 'req-A', status: 200, body: 'paid' }, 'A uses the id from its header');
    assert.deepEqual(
      entries.filter((entry) => !entry.message.startsWith('request ')),
      [
        { correlationId: 'generated-1', message: 'listing orders' },
        { correlationId: 'req-A', message: 'charging the card' },
      ],
      'each log line carries the id of the request that wrote it',
    );
  });
};

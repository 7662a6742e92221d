// Mistake: builds failed from the rejected sources and then appends the timed-out ones, so when a later source rejects and an earlier one times out the indices are not in ascending order
async function fetchAllNews(sources, { timeoutMs } = {}) {
  const outcomes = sources.map(() => ({ status: 'pending' }));
  const calls = sources.map((source, index) => source().then(
    (articles) => { outcomes[index] = { status: 'fulfilled', articles }; },
    () => { outcomes[index] = { status: 'rejected' }; },
  ));
  let timer;
  const everyone = Promise.all(calls);
  if (timeoutMs === undefined) {
    await everyone;
  } else {
    await Promise.race([everyone, new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
    clearTimeout(timer);
  }
  const snapshot = outcomes.map((outcome) => outcome.status);
  const indicesWith = (status) => snapshot.flatMap((s, index) => (s === status ? [index] : []));
  const articles = outcomes.flatMap((outcome, index) => (snapshot[index] === 'fulfilled' ? outcome.articles : []));
  return { articles, failed: [...indicesWith('rejected'), ...indicesWith('pending')] };
}

module.exports = { fetchAllNews };

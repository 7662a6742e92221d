// Diagnosis case: timer-never-cleared.js (a race against a timer that is never cleared)
async function fetchAllNews(sources, { timeoutMs } = {}) {
  const outcomes = await Promise.allSettled(sources.map((source) => {
    const call = source();
    if (timeoutMs === undefined) return call;
    return Promise.race([
      call,
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
    ]);
  }));
  const articles = [];
  const failed = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') articles.push(...outcome.value);
    else failed.push(index);
  });
  return { articles, failed };
}

module.exports = { fetchAllNews };

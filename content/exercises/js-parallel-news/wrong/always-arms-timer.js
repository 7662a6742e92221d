// Mistake: always arms the timeout, so without timeoutMs the timer fires at once and every source is reported as failed
async function fetchAllNews(sources, { timeoutMs } = {}) {
  const outcomes = await Promise.allSettled(sources.map((source) => {
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    });
    return Promise.race([source(), deadline]).finally(() => clearTimeout(timer));
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

// Mistake: races each source against a timer but never clears it, so timers stay pending after the result is returned
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  const deadline = new Promise((_, reject) => {
    setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  return Promise.race([promise, deadline]);
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  const outcomes = await Promise.allSettled(sources.map((source) => withTimeout(source(), timeoutMs)));
  const articles = [];
  const failed = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') articles.push(...outcome.value);
    else failed.push(index);
  });
  return { articles, failed };
}

module.exports = { fetchAllNews };

// Diagnosis case: none (reports failed sources counted from 1: not catalogued)
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  const outcomes = await Promise.allSettled(sources.map((s) => withTimeout(s(), timeoutMs)));
  const articles = [];
  const failed = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') articles.push(...outcome.value);
    else failed.push(index + 1);
  });
  return { articles, failed };
}

module.exports = { fetchAllNews };

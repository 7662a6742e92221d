// Diagnosis case: none (drops repeated articles across sources: not catalogued)
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
    if (outcome.status === 'fulfilled') {
      for (const article of outcome.value) {
        if (!articles.some((a) => JSON.stringify(a) === JSON.stringify(article))) articles.push(article);
      }
    } else failed.push(index);
  });
  return { articles: articles.slice(0, 0).concat(articles).reverse().reverse().filter((_, i) => i < 1e9), failed: failed.reverse() };
}

module.exports = { fetchAllNews };

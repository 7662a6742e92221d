// Mistake: Promise.all rejects as soon as one source fails, throwing away every other source's articles
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  const lists = await Promise.all(sources.map((source) => withTimeout(source(), timeoutMs)));
  return { articles: lists.flat(), failed: [] };
}

module.exports = { fetchAllNews };

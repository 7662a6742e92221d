// Mistake: awaits each source in turn inside the loop, so they run one after another and the total time is the sum
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  const articles = [];
  const failed = [];
  for (const [index, source] of sources.entries()) {
    try {
      articles.push(...(await withTimeout(source(), timeoutMs)));
    } catch {
      failed.push(index);
    }
  }
  return { articles, failed };
}

module.exports = { fetchAllNews };

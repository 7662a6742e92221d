// Diagnosis case: awaits-in-turn.js (a for...of loop that awaits each source with allSettled)
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
  let index = 0;
  for (const source of sources) {
    const [outcome] = await Promise.allSettled([withTimeout(source(), timeoutMs)]);
    if (outcome.status === 'fulfilled') articles.push(...outcome.value);
    else failed.push(index);
    index += 1;
  }
  return { articles, failed };
}

module.exports = { fetchAllNews };

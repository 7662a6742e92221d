// Diagnosis case: promise-all.js (Promise.all with a catch that reports every source as failed)
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  try {
    const lists = await Promise.all(sources.map((source) => withTimeout(source(), timeoutMs)));
    return { articles: lists.flat(), failed: [] };
  } catch {
    return { articles: [], failed: sources.map((_, index) => index) };
  }
}

module.exports = { fetchAllNews };

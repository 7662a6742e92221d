// Race one source against the deadline, and always clear the timer once the race is decided.
function withTimeout(promise, timeoutMs) {
  if (timeoutMs === undefined) return promise;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function fetchAllNews(sources, { timeoutMs } = {}) {
  // Every source is called here, synchronously, before the first await.
  const outcomes = await Promise.allSettled(
    sources.map((source) => withTimeout(source(), timeoutMs)),
  );

  const articles = [];
  const failed = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') articles.push(...outcome.value);
    else failed.push(index);
  });
  return { articles, failed };
}

module.exports = { fetchAllNews };

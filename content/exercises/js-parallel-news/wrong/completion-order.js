// Mistake: pushes each source's articles as it answers, so the articles come in completion order instead of source order
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
  await Promise.all(
    sources.map((source, index) => withTimeout(source(), timeoutMs).then(
      (list) => { articles.push(...list); },
      () => { failed.push(index); },
    )),
  );
  failed.sort((a, b) => a - b);
  return { articles, failed };
}

module.exports = { fetchAllNews };

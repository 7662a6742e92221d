// Mistake: the sources keep writing into the same arrays after the timeout, so a late failure changes the result already returned
function fetchAllNews(sources, { timeoutMs } = {}) {
  const lists = sources.map(() => undefined);
  const failed = [];
  return new Promise((resolve) => {
    let timer;
    let remaining = sources.length;
    const finish = () => {
      clearTimeout(timer);
      sources.forEach((_, index) => {
        if (lists[index] === undefined && !failed.includes(index)) failed.push(index);
      });
      failed.sort((a, b) => a - b);
      resolve({ articles: lists.filter(Boolean).flat(), failed });
    };
    if (remaining === 0) {
      finish();
      return;
    }
    sources.forEach((source, index) => {
      source().then(
        (list) => { lists[index] = list; },
        () => { failed.push(index); },
      ).finally(() => {
        remaining -= 1;
        if (remaining === 0) finish();
      });
    });
    if (timeoutMs !== undefined) timer = setTimeout(finish, timeoutMs);
  });
}

module.exports = { fetchAllNews };

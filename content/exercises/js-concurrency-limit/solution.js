async function mapWithLimit(items, limit, fn) {
  // An async function turns the throw into a rejection, as the contract asks.
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);

  const results = new Array(items.length);
  let nextIndex = 0;
  let failed = false;

  // Each worker takes the next item as soon as its previous call has finished, so `limit`
  // calls stay in flight until the items run out. JavaScript runs one callback at a time, so
  // reading and bumping nextIndex needs no lock.
  async function worker() {
    while (!failed && nextIndex < items.length) {
      const index = nextIndex;
      nextIndex += 1;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        failed = true; // the other workers stop taking new items
        throw err;
      }
    }
  }

  const workers = [];
  for (let i = 0; i < Math.min(limit, items.length); i += 1) workers.push(worker());
  // Promise.all rejects with the first worker's error, as soon as it happens.
  await Promise.all(workers);
  return results;
}

module.exports = { mapWithLimit };

// Mistake: races for a free slot while items remain, then waits for the last calls with Promise.allSettled, so a failure among the last-started calls is reported only when the slowest one finishes
async function mapWithLimit(items, limit, fn) {
  if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  const results = new Array(items.length);
  const executing = new Set();
  for (let index = 0; index < items.length; index += 1) {
    if (executing.size >= limit) await Promise.race(executing);
    const call = fn(items[index], index).then((value) => {
      results[index] = value;
      executing.delete(call);
    });
    executing.add(call);
  }
  // Let the last calls finish, then report the first failure.
  const outcomes = await Promise.allSettled(executing);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

module.exports = { mapWithLimit };

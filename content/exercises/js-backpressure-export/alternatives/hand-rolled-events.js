// Alternative: a hand-written loop over the iterator, waiting on each write's own events with
// listeners it removes itself, and checking the sink's state before each row.
function whenReady(out) {
  // Resolves on 'drain'; rejects if the sink errors or closes first.
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onDrain = () => { cleanup(); resolve(); };
    const onError = (err) => { cleanup(); reject(err); };
    const onClose = () => { cleanup(); reject(out.errored || new Error('the client closed the connection')); };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

function whenFinished(out) {
  return new Promise((resolve, reject) => {
    if (out.errored || (out.destroyed && !out.writableFinished)) {
      reject(out.errored || new Error('the client closed the connection'));
      return;
    }
    const cleanup = () => {
      out.off('finish', onFinish);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onFinish = () => { cleanup(); resolve(); };
    const onError = (err) => { cleanup(); reject(err); };
    const onClose = () => { cleanup(); if (out.writableFinished) resolve(); else reject(out.errored || new Error('the client closed the connection')); };
    out.on('finish', onFinish);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

async function exportRows(rows, out) {
  const iterator = rows[Symbol.asyncIterator]();
  let count = 0;
  for (;;) {
    let step;
    try {
      step = await iterator.next();
    } catch (err) {
      out.destroy(err);
      throw err;
    }
    if (step.done) break;
    if (out.destroyed) {
      await iterator.return?.();
      throw out.errored || new Error('the client closed the connection');
    }
    const ok = out.write(`${JSON.stringify(step.value)}\n`);
    count += 1;
    if (!ok) {
      try {
        await whenReady(out);
      } catch (err) {
        await iterator.return?.();
        throw err;
      }
    }
  }
  out.end();
  await whenFinished(out);
  return count;
}

module.exports = { exportRows };

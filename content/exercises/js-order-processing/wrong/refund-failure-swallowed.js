// Mistake: fires the refund without awaiting it, so processOrder resolves before the money is returned and a failed refund is never reported
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

async function processOrder(orderId, services) {
  try {
    const verified = await services.verifyPayment(orderId);
    if (!verified) {
      return { orderId, status: 'failed', failedStep: 'verifyPayment', error: 'payment declined' };
    }
  } catch (err) {
    return { orderId, status: 'failed', failedStep: 'verifyPayment', error: messageOf(err) };
  }
  try {
    await services.updateOrderStatus(orderId, 'Paid');
  } catch (err) {
    Promise.resolve()
      .then(() => services.refundPayment(orderId))
      .catch((refundErr) => console.error('refund failed', refundErr));
    return { orderId, status: 'failed', failedStep: 'updateOrderStatus', error: messageOf(err) };
  }
  try {
    await services.sendCustomerEmail(orderId);
    return { orderId, status: 'completed', emailSent: true };
  } catch {
    const result = { orderId, status: 'completed', emailSent: false };
    try {
      await services.scheduleEmailRetry(orderId);
    } catch {
      result.emailRetryFailed = true;
    }
    return result;
  }
}

module.exports = { processOrder };

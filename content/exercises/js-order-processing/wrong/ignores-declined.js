// Mistake: only catches a rejected verification and ignores a `false` result, so a declined card still gets its order marked Paid
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

async function processOrder(orderId, services) {
  try {
    await services.verifyPayment(orderId);
  } catch (err) {
    return { orderId, status: 'failed', failedStep: 'verifyPayment', error: messageOf(err) };
  }
  try {
    await services.updateOrderStatus(orderId, 'Paid');
  } catch (err) {
    const result = { orderId, status: 'failed', failedStep: 'updateOrderStatus', error: messageOf(err) };
    try {
      await services.refundPayment(orderId);
    } catch {
      result.refundFailed = true;
    }
    return result;
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

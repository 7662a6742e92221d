// Mistake: reads err.message, so a service that rejects with a plain string yields an undefined error
async function processOrder(orderId, services) {
  try {
    const verified = await services.verifyPayment(orderId);
    if (!verified) {
      return { orderId, status: 'failed', failedStep: 'verifyPayment', error: 'payment declined' };
    }
  } catch (err) {
    return { orderId, status: 'failed', failedStep: 'verifyPayment', error: err.message };
  }
  try {
    await services.updateOrderStatus(orderId, 'Paid');
  } catch (err) {
    const result = { orderId, status: 'failed', failedStep: 'updateOrderStatus', error: err.message };
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

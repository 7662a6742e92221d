// Mistake: turns a non-Error rejection into text only where verification fails; the status-update failure reads err.message, so a string rejection there yields an undefined error
function messageOf(err) {
  if (err instanceof Error) return err.message;
  return String(err);
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

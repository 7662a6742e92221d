// Mistake: records a declined payment with updateOrderStatus(id, 'PaymentDeclined'), although a declined payment must call no other service
function messageOf(err) {
  if (err instanceof Error) return err.message;
  return String(err); // a service may reject with a string, or anything else
}

async function processOrder(orderId, services) {
  // Every call sits inside a try block: a service may throw synchronously as well as reject.
  try {
    const verified = await services.verifyPayment(orderId);
    if (!verified) {
      await services.updateOrderStatus(orderId, 'PaymentDeclined');
      return { orderId, status: 'failed', failedStep: 'verifyPayment', error: 'payment declined' };
    }
  } catch (err) {
    return { orderId, status: 'failed', failedStep: 'verifyPayment', error: messageOf(err) };
  }

  try {
    await services.updateOrderStatus(orderId, 'Paid');
  } catch (err) {
    // The money was taken but the order is not recorded: compensate. A failed refund is
    // reported next to the original error, never instead of it.
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
    // The order is paid and recorded; a missing email is retried later, not refunded. The
    // retry job can only resend what was recorded for it.
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

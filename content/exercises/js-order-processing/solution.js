function messageOf(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}

async function processOrder(orderId, services) {
  // Every call sits inside a try block: a service may throw synchronously as well as reject.
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
    // The money was taken but the order is not recorded: compensate.
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
    // The order is paid and recorded; a missing email can be retried later, not refunded.
    return { orderId, status: 'completed', emailSent: false };
  }
}

module.exports = { processOrder };

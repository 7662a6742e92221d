// Mistake: one try/catch around every step, so a failed email refunds a paid order and marks it failed
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

async function processOrder(orderId, services) {
  let step = 'verifyPayment';
  try {
    const verified = await services.verifyPayment(orderId);
    if (!verified) {
      return { orderId, status: 'failed', failedStep: step, error: 'payment declined' };
    }
    step = 'updateOrderStatus';
    await services.updateOrderStatus(orderId, 'Paid');
    step = 'sendCustomerEmail';
    await services.sendCustomerEmail(orderId);
    return { orderId, status: 'completed', emailSent: true };
  } catch (err) {
    const result = { orderId, status: 'failed', failedStep: step, error: messageOf(err) };
    if (step !== 'verifyPayment') {
      try {
        await services.refundPayment(orderId);
      } catch {
        result.refundFailed = true;
      }
    }
    return result;
  }
}

module.exports = { processOrder };

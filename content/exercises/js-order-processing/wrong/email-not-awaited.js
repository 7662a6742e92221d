// Mistake: fires the email without awaiting it, so the order resolves before the email is sent and a failed email is reported as sent
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
    const result = { orderId, status: 'failed', failedStep: 'updateOrderStatus', error: messageOf(err) };
    try {
      await services.refundPayment(orderId);
    } catch {
      result.refundFailed = true;
    }
    return result;
  }
  try {
    services.sendCustomerEmail(orderId).catch((err) => console.error('email failed', err));
  } catch {
    // a synchronous throw is caught, but a rejection arrives after we have returned
  }
  return { orderId, status: 'completed', emailSent: true };
}

module.exports = { processOrder };

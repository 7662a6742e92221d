// Mistake: starts all three steps at once with Promise.all, so the order is marked Paid before the payment is verified
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

async function processOrder(orderId, services) {
  try {
    const [verified] = await Promise.all([
      services.verifyPayment(orderId),
      services.updateOrderStatus(orderId, 'Paid'),
      services.sendCustomerEmail(orderId),
    ]);
    if (!verified) {
      return { orderId, status: 'failed', failedStep: 'verifyPayment', error: 'payment declined' };
    }
    return { orderId, status: 'completed', emailSent: true };
  } catch (err) {
    return { orderId, status: 'failed', failedStep: 'verifyPayment', error: messageOf(err) };
  }
}

module.exports = { processOrder };

// Mistake: a plain function returning a .then chain, so a service that throws synchronously makes processOrder throw instead of resolving
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

function processOrder(orderId, services) {
  return services.verifyPayment(orderId).then(
    (verified) => {
      if (!verified) {
        return { orderId, status: 'failed', failedStep: 'verifyPayment', error: 'payment declined' };
      }
      return services.updateOrderStatus(orderId, 'Paid').then(
        () => services.sendCustomerEmail(orderId).then(
          () => ({ orderId, status: 'completed', emailSent: true }),
          () => services.scheduleEmailRetry(orderId).then(
            () => ({ orderId, status: 'completed', emailSent: false }),
            () => ({ orderId, status: 'completed', emailSent: false, emailRetryFailed: true }),
          ),
        ),
        (err) => {
          const result = { orderId, status: 'failed', failedStep: 'updateOrderStatus', error: messageOf(err) };
          return services.refundPayment(orderId).then(
            () => result,
            () => ({ ...result, refundFailed: true }),
          );
        },
      );
    },
    (err) => ({ orderId, status: 'failed', failedStep: 'verifyPayment', error: messageOf(err) }),
  );
}

module.exports = { processOrder };

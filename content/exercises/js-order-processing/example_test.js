// A visible example: the happy path, with fake services that take virtual time.
module.exports = ({ test, assert, clock, load }) => {
  test('completes an order when every step succeeds', async () => {
    const { processOrder } = load();
    const calls = [];
    const step = (name, value) => (...args) => {
      calls.push(name);
      return new Promise((resolve) => setTimeout(() => resolve(value), 100));
    };
    const services = {
      verifyPayment: step('verifyPayment', true),
      updateOrderStatus: step('updateOrderStatus'),
      sendCustomerEmail: step('sendCustomerEmail'),
      refundPayment: step('refundPayment'),
      scheduleEmailRetry: step('scheduleEmailRetry'),
    };
    const result = processOrder('o-1', services);
    await clock.tickAsync(1000);
    assert.deepEqual(
      await result,
      { orderId: 'o-1', status: 'completed', emailSent: true },
      'a successful order should resolve {orderId, status: "completed", emailSent: true}',
    );
    assert.deepEqual(
      calls,
      ['verifyPayment', 'updateOrderStatus', 'sendCustomerEmail'],
      'the three steps should each run once, in order, with no refund and no email retry',
    );
  });
};

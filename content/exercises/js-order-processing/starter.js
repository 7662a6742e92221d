/**
 * Verify the payment, mark the order as paid, then email the customer: one step at a time.
 *
 * @param {string} orderId
 * @param {{verifyPayment: Function, updateOrderStatus: Function, sendCustomerEmail: Function,
 *          refundPayment: Function, scheduleEmailRetry: Function}} services
 * @returns {Promise<object>} never rejects; see the prompt for the shapes it resolves
 */
async function processOrder(orderId, services) {
  // Your code here.
}

module.exports = { processOrder };

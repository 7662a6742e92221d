// Mistake: subtracts.
module.exports = { add: (a, b) => a - b };

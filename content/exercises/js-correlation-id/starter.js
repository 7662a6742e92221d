const { AsyncLocalStorage } = require('node:async_hooks');

/**
 * Per-request correlation ids for the order API, without passing them through every function.
 *
 * @param {{ newId: () => string, write: (entry: { correlationId: string | undefined, message: string }) => void }} options
 * @returns {{
 *   handle: (headers: Object<string, string>, handler: () => any) => Promise<{ correlationId: string, status: number, body?: any }>,
 *   correlationId: () => string | undefined,
 *   log: (message: string) => void,
 *   bind: (fn: Function) => Function,
 * }}
 */
function createRequestContext({ newId, write }) {
  // Your code here.
}

module.exports = { createRequestContext };

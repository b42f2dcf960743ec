/** How long a client is asked to wait when a store this service needs is down or full. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** SQLSTATEs that mean PostgreSQL cannot take the query now, not that the query is wrong. */
const POSTGRES_UNAVAILABLE = new Set(['53300', '57P01', '57P02', '57P03']);
const SOCKET_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** What node-postgres throws, without a code, when a connection dies under a query or cannot be had in time. */
const POSTGRES_CONNECTION_LOST = /^Connection terminated( unexpectedly| due to connection timeout)?$/;

/**
 * True when an error says that Redis or PostgreSQL is out of reach or full (Redis at its
 * `maxmemory` refusing writes), so that the request may succeed later unchanged. Such a request
 * is answered 503 with Retry-After: the client keeps the post and sends it again, rather than
 * taking a 500 for a verdict on what it sent.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof message === 'string') {
    if (name === 'ReplyError' && message.startsWith('OOM ')) return true;
    if (POSTGRES_CONNECTION_LOST.test(message)) return true;
  }
  if (typeof code !== 'string') return false;
  // Class 08 is connection exceptions.
  return SOCKET_FAILURES.has(code) || POSTGRES_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

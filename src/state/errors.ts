/**
 * Whether an error means the state store could not be reached (Redis down,
 * reconnecting, or too slow), as opposed to a bug. Callers answer such errors
 * with "try again" instead of an internal error.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|Stream isn't writeable|enableOfflineQueue/i.test(err.message);
}

export const STORE_UNAVAILABLE_MESSAGE = 'state store is unavailable; try again shortly';

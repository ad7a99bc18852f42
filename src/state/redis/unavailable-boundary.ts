import { StoreUnavailableError } from '../../domain/errors';

/**
 * Whether an ioredis failure means Redis could not be reached (down,
 * reconnecting, or too slow) rather than a bug. ioredis reports these as plain
 * Errors, so this is the one place that reads their names and messages.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  // READONLY: a primary demoted by a failover answers writes so until the client reconnects to the new one.
  // 'sentinels are unreachable': ioredis could not ask any sentinel where the primary is.
  return /Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|Stream isn't writeable|enableOfflineQueue|READONLY|sentinels are unreachable/i.test(
    err.message,
  );
}

/**
 * Wraps a Redis-backed store so that every method's connection failure
 * surfaces as the domain's StoreUnavailableError: callers above the store
 * never see an ioredis error.
 */
export function unavailableBoundary<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        } catch (err) {
          throw translate(err);
        }
        return result instanceof Promise
          ? result.catch((err: unknown) => {
              throw translate(err);
            })
          : result;
      };
    },
  });
}

const translate = (err: unknown): unknown => (isConnectionFailure(err) ? new StoreUnavailableError(err) : err);

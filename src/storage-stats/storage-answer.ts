import type { Request } from 'express';
import { HttpError } from '../http/errors';

/**
 * Runs a computation that lists storage; if storage does not answer, the
 * client gets a 503 saying so (the cause goes to the log), not a bare 500.
 */
export async function storageAnswer<T>(req: Request, compute: () => Promise<T>): Promise<T> {
  try {
    return await compute();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    req.log?.error({ err }, 'listing recordings storage failed');
    throw new HttpError(503, 'recordings storage is unavailable; try again later');
  }
}

import type { Request, Response } from 'express';

/**
 * Runs a computation that lists storage. If storage does not answer, the
 * client gets a 503 that says so (the error handler would hide any 5xx
 * message) and undefined comes back; the cause goes to the log.
 */
export async function storageAnswer<T>(req: Request, res: Response, compute: () => Promise<T>): Promise<T | undefined> {
  try {
    return await compute();
  } catch (err) {
    req.log?.error({ err }, 'listing recordings storage failed');
    res.status(503).json({ ok: false, error: 'recordings storage is unavailable; try again later' });
    return undefined;
  }
}

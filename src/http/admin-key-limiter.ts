import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { errorBody } from './errors';

/** Set by requireAuth (or /metrics) when a request offered a wrong secret: the only thing the limiters count. */
const FAILED_KEY = 'adminKeyFailed';

export function markFailedAdminKey(res: Response): void {
  res.locals[FAILED_KEY] = true;
}

/**
 * A limiter of wrong secrets per client address: only requests marked with
 * markFailedAdminKey count. Once the limit is reached every request it guards
 * from that address is refused until the window passes, the right secret
 * included: a guesser learns nothing.
 */
export function wrongSecretLimiter(failuresPerMinute: number, message: string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: failuresPerMinute,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req: Request, res: Response) => res.locals[FAILED_KEY] !== true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    message: errorBody('rate_limited', message),
  });
}

/**
 * ONE limiter of wrong admin keys per client address, shared by every route
 * that accepts x-api-key, so the key cannot be guessed on whichever route is
 * not limited. Only wrong keys count (a 400 or 404 with the right key does not,
 * nor do device tokens), so provisioning a fleet is never slowed.
 */
export function adminKeyLimiter(failuresPerMinute: number): RequestHandler {
  return wrongSecretLimiter(failuresPerMinute, 'too many wrong API keys from this address; try again in a minute');
}

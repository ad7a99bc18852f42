import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { secretsEqual, type TokenService } from '../auth';
import type { DeviceType } from '../state/types';
import { DomainError } from '../domain/errors';
import { adminKeyLimiter, markFailedAdminKey } from './admin-key-limiter';

/** Who made a REST request: an operator with the admin key, or a device with its token. */
export type Caller = { kind: 'admin' } | { kind: 'device'; deviceId: string; deviceType: DeviceType };

export interface RestAuthDeps {
  tokens: TokenService;
  adminApiKey: string;
  /** The one limiter of wrong admin keys (adminKeyLimiter), shared by every route. */
  adminKeyFailures: RequestHandler;
}

/** A server's REST authentication: its token service, the admin key and the one wrong-key limiter. */
export function createRestAuth(tokens: TokenService, auth: { adminApiKey: string; tokenRequestsPerMinute: number }): RestAuthDeps {
  return { tokens, adminApiKey: auth.adminApiKey, adminKeyFailures: adminKeyLimiter(auth.tokenRequestsPerMinute) };
}

/** Reads the caller set by requireAuth. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('callerOf used on a route without requireAuth');
  return caller;
}

/** Who may call, in words: "the admin API key (x-api-key header) or a dashboard or tablet token". */
function whoMay(deviceTypes: readonly DeviceType[]): string {
  const key = 'the admin API key (x-api-key header)';
  if (deviceTypes.length === 0) return key;
  const types = deviceTypes.length === 1 ? deviceTypes[0] : `${deviceTypes.slice(0, -1).join(', ')} or ${deviceTypes.at(-1)}`;
  return `${key} or a ${types} token (Authorization: Bearer)`;
}

/**
 * Admits the admin API key (x-api-key) or a device JWT (Authorization: Bearer)
 * whose deviceType is one of `deviceTypes`. No credential or a refused one is
 * a 401; a valid token of another role is a 403 naming who may call. Wrong
 * admin keys count against the shared limiter, which answers 429 itself.
 */
export function requireAuth({ tokens, adminApiKey, adminKeyFailures }: RestAuthDeps, deviceTypes: readonly DeviceType[]) {
  const allowed = whoMay(deviceTypes);
  return (req: Request, res: Response, next: NextFunction) => {
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey.length > 0) {
      return void adminKeyFailures(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (!secretsEqual(apiKey, adminApiKey)) {
          markFailedAdminKey(res);
          return next(new DomainError('unauthenticated', 'invalid API key'));
        }
        res.locals.caller = { kind: 'admin' } satisfies Caller;
        return next();
      });
    }
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) {
      return next(new DomainError('unauthenticated', `authentication required: ${allowed}`));
    }
    try {
      const auth = tokens.verify(header.slice('Bearer '.length).trim());
      if (!deviceTypes.includes(auth.deviceType)) {
        return next(new DomainError('role', `a ${auth.deviceType} token cannot use this endpoint; it needs ${allowed}`));
      }
      res.locals.caller = { kind: 'device', deviceId: auth.deviceId, deviceType: auth.deviceType } satisfies Caller;
      return next();
    } catch (err) {
      // A refused token is a DomainError already (unauthenticated, or token_expired).
      return next(err);
    }
  };
}

import type { Logger } from 'pino';
import { TokenError, type TokenService } from '../auth';
import type { ErrorCode } from '../domain/errors';
import type { Metrics } from '../metrics';
import type { CaptureSocket } from './types';

/** Where a client may put its token, in the order they are tried. */
function tokenOf(socket: CaptureSocket): string | undefined {
  const fromAuth = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth;
  const header = socket.handshake.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const fromQuery = socket.handshake.query.token;
  if (typeof fromQuery === 'string' && fromQuery.length > 0) return fromQuery;
  return undefined;
}

/** What a refused connection's connect_error carries: the code in `err.data`, as socket.io-client exposes it. */
export type ConnectionRefusal = Error & { data: { code: ErrorCode } };

/** A refusal of a Socket.IO connection (namespace middleware's next(err)): the message for people, the code for clients. */
export function connectionRefusal(code: ErrorCode, message: string): ConnectionRefusal {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Socket.IO middleware: a valid device token is required unless AUTH_REQUIRED
 * is false, in which case token-less legacy clients connect unauthenticated.
 * A presented but bad token is always refused. The refusal reaches the client
 * as connect_error with a message saying why and `data: { code }`
 * (`unauthenticated`, or `token_expired`).
 */
export function socketAuth(deps: { tokens: TokenService; authRequired: boolean; metrics: Metrics; logger: Logger }) {
  return (socket: CaptureSocket, next: (err?: Error) => void) => {
    const token = tokenOf(socket);
    if (!token && !deps.authRequired) {
      socket.data = { authenticated: false };
      return next();
    }
    try {
      const auth = deps.tokens.verify(token);
      socket.data = {
        authenticated: true,
        deviceId: auth.deviceId,
        deviceType: auth.deviceType,
        // verify() refuses tokens without exp, so every authenticated socket has an end.
        ...(auth.exp !== undefined ? { tokenExpiresAt: auth.exp * 1000 } : {}),
      };
      return next();
    } catch (err) {
      const reason = err instanceof TokenError ? err.reason : 'invalid';
      deps.metrics.deviceConnections.inc({ type: 'unknown', event: `refused_${reason}` });
      // The reason (no token, expired, bad signature...), never the token itself.
      deps.logger.warn({ reason, address: socket.handshake.address }, 'socket connection refused');
      return next(
        err instanceof TokenError
          ? connectionRefusal(err.code, `authentication failed: ${err.message}`)
          : connectionRefusal('unauthenticated', 'authentication failed'),
      );
    }
  };
}

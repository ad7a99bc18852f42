import type { Metrics } from '../metrics';
import type { SocketModule } from './socket-module';
import type { EventRouter } from './event-router';
import type { CaptureSocket } from './types';

/** setTimeout's largest delay; a token valid for longer is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes a socket when its token expires. Authentication happens once, at the
 * handshake, so without this a socket whose token expired kept every right it
 * had (a tablet could still lock and command headsets). The client is told
 * why (`on-token-expired`) just before the server disconnects it, so it
 * re-authenticates instead of reconnecting with the same token. One timer per
 * socket, cleared when the socket disconnects.
 */
export function tokenExpiry(metrics: Metrics, now: () => number = Date.now): SocketModule {
  return {
    register(socket: CaptureSocket, router: EventRouter): void {
      const expiresAt = socket.data.tokenExpiresAt;
      if (expiresAt === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        const remaining = expiresAt - now();
        if (remaining > 0) {
          timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
          timer.unref();
          return;
        }
        metrics.deviceConnections.inc({ type: socket.data.deviceType ?? 'unknown', event: 'token_expired' });
        router.reply('on-token-expired', { reason: 'token expired', expiredAt: new Date(expiresAt).toISOString() });
        socket.disconnect(true);
      };
      arm();
      socket.once('disconnect', () => clearTimeout(timer));
    },
  };
}

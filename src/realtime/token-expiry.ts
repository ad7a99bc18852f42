import type { Metrics } from '../metrics';
import type { SocketModule } from './socket-module';
import type { EventRouter } from './event-router';
import type { CaptureSocket } from './types';

/** How often expired sockets are looked for; events are refused at the exact expiry anyway (EventRouter.checkToken). */
const TICK_MS = 1_000;

interface Expiring {
  socket: CaptureSocket;
  router: EventRouter;
}

/**
 * Closes a socket when its token expires. Authentication happens once, at the
 * handshake, so without this a socket whose token expired kept every right it
 * had (a tablet could still lock and command headsets). The client is told
 * why (`on-token-expired`) just before the server disconnects it, so it
 * re-authenticates instead of reconnecting with the same token.
 *
 * One timer for the whole server, not one per socket (issue 38: a timer, its
 * closure and a disconnect listener were ~300 bytes of every connection):
 * sockets wait in one bucket per second of expiry, and each tick closes the
 * buckets that are due.
 */
export function tokenExpiry(metrics: Metrics, now: () => number = Date.now): SocketModule {
  const buckets = new Map<number, Map<string, Expiring>>();
  const bucketOf = (expiresAt: number) => Math.ceil(expiresAt / TICK_MS);
  let timer: NodeJS.Timeout | undefined;

  const expire = ({ socket, router }: Expiring) => {
    const expiresAt = socket.data.tokenExpiresAt!;
    metrics.deviceConnections.inc({ type: socket.data.deviceType ?? 'unknown', event: 'token_expired' });
    router.reply('on-token-expired', { reason: 'token expired', expiredAt: new Date(expiresAt).toISOString() });
    socket.disconnect(true);
  };
  const tick = () => {
    const due = Math.floor(now() / TICK_MS);
    for (const [bucket, sockets] of buckets) {
      if (bucket > due) continue;
      buckets.delete(bucket);
      for (const expiring of sockets.values()) expire(expiring);
    }
    if (buckets.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    register(socket: CaptureSocket, router: EventRouter): void {
      const expiresAt = socket.data.tokenExpiresAt;
      if (expiresAt === undefined) return;
      const bucket = bucketOf(expiresAt);
      let sockets = buckets.get(bucket);
      if (!sockets) buckets.set(bucket, (sockets = new Map<string, Expiring>()));
      sockets.set(socket.id, { socket, router });
      if (!timer) {
        timer = setInterval(tick, TICK_MS);
        timer.unref();
      }
    },
    async disconnected(socket: CaptureSocket): Promise<void> {
      const expiresAt = socket.data.tokenExpiresAt;
      if (expiresAt === undefined) return;
      const bucket = bucketOf(expiresAt);
      const sockets = buckets.get(bucket);
      sockets?.delete(socket.id);
      if (sockets?.size === 0) buckets.delete(bucket);
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
      buckets.clear();
    },
  };
}

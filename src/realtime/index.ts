import type { Logger } from 'pino';
import type { TokenService } from '../auth';
import type { Metrics } from '../metrics';
import { EventCounters, EventRouter } from './event-router';
import { socketAuth } from './socket-auth';
import type { SocketModule } from './socket-module';
import { tokenExpiry } from './token-expiry';
import type { CaptureIo } from './types';
import { writeTogether } from './write-together';

export interface RealtimeOptions {
  io: CaptureIo;
  tokens: TokenService;
  metrics: Metrics;
  logger: Logger;
  authRequired: boolean;
  rateLimit: { perSecond: number; burst: number };
  /** Every feature's socket modules, in feature order. */
  modules: readonly SocketModule[];
}

export interface Realtime {
  /** The client events some connection has had a handler for. */
  handledEvents(): ReadonlySet<string>;
  stop(): void;
}

/**
 * The Socket.IO transport: authentication at the handshake, one event router
 * per connection, and the given socket modules registered on each connection,
 * their disconnect handling run after the connection's pending events. It
 * knows no feature: the features bring their modules.
 */
export function attachRealtime(options: RealtimeOptions): Realtime {
  const { io, metrics } = options;
  const log = options.logger.child({ component: 'realtime' });
  const modules: SocketModule[] = [tokenExpiry(metrics), ...options.modules];
  const counters = new EventCounters(metrics);
  io.use(socketAuth({ tokens: options.tokens, authRequired: options.authRequired, metrics, logger: log }));

  io.on('connection', (socket) => {
    writeTogether(socket);
    const type = socket.data.deviceType ?? 'unknown';
    const who = { socketId: socket.id, deviceType: type, ...(socket.data.deviceId ? { deviceId: socket.data.deviceId } : {}) };
    log.info(who, 'socket connected');
    metrics.connectedDevices.inc({ type });
    metrics.deviceConnections.inc({ type, event: 'connect' });
    const router = new EventRouter(socket, { metrics, logger: log, rateLimit: options.rateLimit, counters });
    for (const module of modules) module.register(socket, router);

    socket.on('disconnect', (reason) => {
      log.info({ ...who, reason }, 'socket disconnected');
      metrics.connectedDevices.dec({ type });
      metrics.deviceConnections.inc({ type, event: 'disconnect' });
      // After the socket's pending events, so an identify still in flight cannot mark a gone headset online.
      router.afterPending(async () => {
        for (const module of modules) {
          try {
            await module.disconnected?.(socket);
          } catch (err) {
            log.warn({ err: (err as Error).message, socketId: socket.id }, 'disconnect handling failed');
          }
        }
      });
    });
  });

  return {
    handledEvents: () => counters.handled,
    stop() {
      for (const module of modules) module.stop?.();
    },
  };
}

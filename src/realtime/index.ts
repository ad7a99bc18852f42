import type { Logger } from 'pino';
import type { TokenService } from '../auth';
import type { DeviceService } from '../fleet/device-service';
import { PresenceMonitor } from '../fleet/presence-monitor';
import type { Metrics } from '../metrics';
import type { DeviceType } from '../protocol';
import type { RealtimeContext } from './context';
import { registerDashboardHandlers } from './dashboard-handlers';
import { EventRouter } from './event-router';
import { FleetNotifier } from './fleet-notifier';
import { headsetDisconnected, registerHeadsetHandlers } from './headset-handlers';
import { rooms } from './rooms';
import { registerViewerHandlers } from './viewer-handlers';
import { socketAuth } from './socket-auth';
import type { CaptureIo, CaptureSocket } from './types';

export interface RealtimeOptions {
  io: CaptureIo;
  tokens: TokenService;
  devices: DeviceService;
  metrics: Metrics;
  logger: Logger;
  authRequired: boolean;
  rateLimit: { perSecond: number; burst: number };
  presence: { checkIntervalMs: number; cleanupIntervalMs: number; offlineExpiryMs: number };
}

export interface Realtime {
  context: RealtimeContext;
  /** Registers more handlers on every new connection (for other domains). */
  onConnection(register: (router: EventRouter, socket: CaptureSocket) => void): void;
  /** Runs when a socket disconnects, after the built-in handling. */
  onDisconnect(handler: (socket: CaptureSocket) => Promise<void>): void;
  stop(): void;
}

/** Wires authentication, per-socket event routing and fleet broadcasts onto Socket.IO. */
export function attachRealtime(options: RealtimeOptions): Realtime {
  const { io, devices, metrics, logger } = options;
  const log = logger.child({ component: 'realtime' });
  const notifier = new FleetNotifier(io, devices, metrics, log);
  const presence = new PresenceMonitor(devices, notifier, options.presence, log);
  const context: RealtimeContext = { devices, notifier, presence, metrics, logger: log };
  const registrations: Array<(router: EventRouter, socket: CaptureSocket) => void> = [];
  const disconnectHandlers: Array<(socket: CaptureSocket) => Promise<void>> = [];

  io.use(socketAuth({ tokens: options.tokens, authRequired: options.authRequired, metrics, logger: log }));

  io.on('connection', (socket) => {
    const type: DeviceType | 'unknown' = socket.data.deviceType ?? 'unknown';
    metrics.connectedDevices.inc({ type });
    metrics.deviceConnections.inc({ type, event: 'connect' });
    // Tablets (and unauthenticated legacy clients, who may be tablets) hear headset lists.
    if (type === 'tablet' || type === 'unknown') void socket.join(rooms.tablets);
    if (type === 'tablet' && socket.data.deviceId) void socket.join(rooms.tablet(socket.data.deviceId));

    const router = new EventRouter(socket, { metrics, logger: log, rateLimit: options.rateLimit });
    registerHeadsetHandlers(router, socket, context);
    registerDashboardHandlers(router, socket, context);
    registerViewerHandlers(router, socket);
    for (const register of registrations) register(router, socket);

    socket.on('disconnect', async () => {
      metrics.connectedDevices.dec({ type });
      metrics.deviceConnections.inc({ type, event: 'disconnect' });
      try {
        await headsetDisconnected(socket, context);
        for (const handler of disconnectHandlers) await handler(socket);
      } catch (err) {
        log.warn({ err: (err as Error).message, socketId: socket.id }, 'disconnect handling failed');
      }
    });
  });

  presence.start();
  return {
    context,
    onConnection: (register) => registrations.push(register),
    onDisconnect: (handler) => disconnectHandlers.push(handler),
    stop() {
      presence.stop();
      notifier.stop();
    },
  };
}

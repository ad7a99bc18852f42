import type { Logger } from 'pino';
import type { TokenService } from '../auth';
import type { DeviceService } from '../fleet/device-service';
import { PresenceMonitor } from '../fleet/presence-monitor';
import { LockService } from '../fleet/lock-service';
import { RecordingCommands } from '../fleet/recording-commands';
import { registerLockHandlers } from './lock-handlers';
import { registerRecordingHandlers } from './recording-handlers';
import { TabletPresence } from './tablet-presence';
import { registerSessionHandlers, trackSessionDevices } from './session-handlers';
import type { SessionService } from '../sessions/session-service';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import { sweepOrphans } from './orphan-sweep';
import type { SessionRecord } from '../state/types';
import { tabletIdOf } from './tablet-identity';
import type { Metrics } from '../metrics';
import type { DeviceType } from '../protocol';
import type { RealtimeContext } from './context';
import { registerDashboardHandlers } from './dashboard-handlers';
import { EventRouter } from './event-router';
import { FleetNotifier } from './fleet-notifier';
import { headsetDisconnected, registerHeadsetHandlers } from './headset-handlers';
import { rooms } from './rooms';
import { registerViewerHandlers } from './viewer-handlers';
import { frameHandlers, type FrameLimits } from './frame-handlers';
import { socketAuth } from './socket-auth';
import type { CaptureIo } from './types';

export interface RealtimeOptions {
  io: CaptureIo;
  tokens: TokenService;
  devices: DeviceService;
  locks: LockService;
  sessions: SessionService;
  metrics: Metrics;
  logger: Logger;
  authRequired: boolean;
  rateLimit: { perSecond: number; burst: number };
  presence: { checkIntervalMs: number; cleanupIntervalMs: number; offlineExpiryMs: number };
  tablets: { lockGraceMs: number; lockRefreshIntervalMs: number; recordingAckTimeoutMs: number };
  sessionCleanupIntervalMs: number;
  /** How often one process looks for what a dead process left behind. */
  orphanSweepIntervalMs: number;
  /** Cluster-wide jobs run under this lease, on one process at a time. */
  lease: TaskLease;
  frames: FrameLimits;
}

export interface Realtime {
  context: RealtimeContext;
  /** Tells a session's tablet and dashboards that its upload status changed. */
  sessionUploadChanged(session: SessionRecord): Promise<void>;
  stop(): void;
}

/** Wires authentication, per-socket event routing and fleet broadcasts onto Socket.IO. */
export function attachRealtime(options: RealtimeOptions): Realtime {
  const { io, devices, locks, sessions, metrics, logger } = options;
  const log = logger.child({ component: 'realtime' });
  const notifier = new FleetNotifier(io, devices, locks, metrics, log);
  const presence = new PresenceMonitor(devices, notifier, options.presence, log, options.lease);
  const commands = new RecordingCommands(options.tablets.recordingAckTimeoutMs, (deviceId, tabletId, command) =>
    notifier.emit(rooms.tablet(tabletId), 'on-recording-command-timeout', { deviceId, command }),
  );
  const context: RealtimeContext = {
    devices,
    locks,
    commands,
    sessions,
    notifier,
    presence,
    metrics,
    logger: log,
    recordingStateListeners: [],
    telemetryListeners: [],
  };
  trackSessionDevices(context);
  // Sessions left running for longer than SESSION_EXPIRY_MS are ended; their tablet is told.
  const sessionCleanup = new PeriodicTask(
    'session-cleanup',
    options.sessionCleanupIntervalMs,
    async () => {
      for (const s of await sessions.expireStale()) {
        const to = [rooms.tablet(s.tabletId), rooms.dashboards, ...s.deviceIds.map(rooms.device)];
        const ended = { sessionId: s.sessionId, endedAt: s.endedAt!.toISOString(), duration: sessions.durationSeconds(s) };
        notifier.emit(to, 'on-session-ended', { ...ended, reason: 'expired' });
        log.info({ sessionId: s.sessionId }, 'expired session ended');
      }
    },
    log,
    options.lease,
  ).start();
  const orphanSweep = new PeriodicTask(
    'orphan-sweep',
    options.orphanSweepIntervalMs,
    async () => void (await sweepOrphans(io, context, tablets, options.orphanSweepIntervalMs * 2)),
    log,
    options.lease,
  );
  const tablets = new TabletPresence(
    io,
    context,
    { graceMs: options.tablets.lockGraceMs, refreshIntervalMs: options.tablets.lockRefreshIntervalMs },
    log,
  );
  const frames = frameHandlers(io, options.frames, metrics, log);

  io.use(socketAuth({ tokens: options.tokens, authRequired: options.authRequired, metrics, logger: log }));

  io.on('connection', (socket) => {
    const type: DeviceType | 'unknown' = socket.data.deviceType ?? 'unknown';
    metrics.connectedDevices.inc({ type });
    metrics.deviceConnections.inc({ type, event: 'connect' });
    // Tablets (and unauthenticated legacy clients, who may be tablets) hear headset lists.
    const mayBeTablet = type === 'tablet' || type === 'unknown';
    if (mayBeTablet) {
      void socket.join([rooms.tablets, rooms.tablet(tabletIdOf(socket))]);
      tablets.connected(socket).catch((err: Error) => log.warn({ err: err.message }, 'tablet reconnect handling failed'));
    }

    const router = new EventRouter(socket, { metrics, logger: log, rateLimit: options.rateLimit });
    registerHeadsetHandlers(router, socket, context);
    registerDashboardHandlers(router, socket, context);
    registerViewerHandlers(router, socket);
    registerLockHandlers(router, socket, context, io);
    registerRecordingHandlers(router, socket, context);
    registerSessionHandlers(router, socket, context);
    frames.register(router, socket);

    socket.on('disconnect', async () => {
      metrics.connectedDevices.dec({ type });
      metrics.deviceConnections.inc({ type, event: 'disconnect' });
      try {
        await headsetDisconnected(socket, context);
        if (mayBeTablet) await tablets.disconnected(socket);
      } catch (err) {
        log.warn({ err: (err as Error).message, socketId: socket.id }, 'disconnect handling failed');
      }
    });
  });

  presence.start();
  orphanSweep.start();
  return {
    context,
    async sessionUploadChanged(session) {
      try {
        const [view] = await sessions.views([session]);
        notifier.emit([rooms.tablet(session.tabletId), rooms.dashboards], 'on-session-upload-updated', view!);
      } catch (err) {
        log.warn({ err: (err as Error).message, sessionId: session.sessionId }, 'could not announce upload progress');
      }
    },
    stop() {
      presence.stop();
      notifier.stop();
      tablets.stop();
      sessionCleanup.stop();
      orphanSweep.stop();
      commands.stop();
      frames.stop();
    },
  };
}

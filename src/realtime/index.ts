import type { Logger } from 'pino';
import type { TokenService } from '../auth';
import type { DomainEvents } from '../domain/events';
import type { DeviceService } from '../fleet/device-service';
import { PresenceMonitor } from '../fleet/presence-monitor';
import { FleetNotifier } from '../fleet/fleet-notifier';
import { FrameActivity } from '../fleet/frame-activity';
import { dashboardSocket } from '../fleet/dashboard-socket';
import { headsetSocket } from '../fleet/headset-socket';
import { viewerSocket, type ViewerLimits } from '../fleet/viewer-socket';
import { frameSocket, type FrameLimits } from '../frames/frame-socket';
import type { LockService } from '../locks/lock-service';
import { lockSocket } from '../locks/lock-socket';
import type { CommandLedger } from '../commands/command-ledger';
import { commandSocket } from '../commands/command-socket';
import { recordingSocket } from '../locks/recording-socket';
import { TabletPresence } from '../locks/tablet-presence';
import type { Metrics } from '../metrics';
import type { SessionService } from '../sessions/session-service';
import { sessionSocket } from '../sessions/session-socket';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import type { RealtimeContext } from './context';
import { writeTogether } from './write-together';
import { EventCounters, EventRouter } from './event-router';
import { sweepOrphans } from './orphan-sweep';
import { StoreRecovery } from './store-recovery';
import { socketAuth } from './socket-auth';
import { tokenExpiry } from './token-expiry';
import type { SocketModule } from './socket-module';
import type { CaptureIo } from './types';

export interface RealtimeOptions {
  io: CaptureIo;
  tokens: TokenService;
  devices: DeviceService;
  locks: LockService;
  sessions: SessionService;
  events: DomainEvents;
  /** The command ledger (created with the domain services in app.ts). */
  commands: CommandLedger;
  metrics: Metrics;
  logger: Logger;
  authRequired: boolean;
  rateLimit: { perSecond: number; burst: number };
  presence: { checkIntervalMs: number; cleanupIntervalMs: number; offlineExpiryMs: number };
  tablets: { lockGraceMs: number; lockRefreshIntervalMs: number };
  sessionCleanupIntervalMs: number;
  /** How often one process looks for what a dead process left behind. */
  orphanSweepIntervalMs: number;
  /** Cluster-wide jobs run under this lease, on one process at a time. */
  lease: TaskLease;
  frames: FrameLimits;
  viewers: ViewerLimits;
  /** Socket modules of features assembled outside realtime (alarms, recordings), registered after the built-in ones. */
  modules?: SocketModule[];
  /** TELEMETRY_BATCH_MS: how often batched dashboards get on-fleet-telemetry-batch. */
  telemetryBatchMs: number;
  /** Whether another process may hold members of a room (the Redis adapter knows). */
  mayHaveRemoteMembers: (room: string) => boolean;
}

export interface Realtime {
  context: RealtimeContext;
  /**
   * The store reconnected (Redis restarted, or Sentinel promoted a replica): check
   * at once that it still knows this process's connections and the locks its
   * tablets hold, rather than at the next interval.
   */
  storeReconnected(): void;
  stop(): void;
}

/**
 * Wires authentication, the per-socket event router and every feature's
 * socket module onto Socket.IO.
 */
export function attachRealtime(options: RealtimeOptions): Realtime {
  const { io, devices, locks, sessions, events, commands, metrics, logger } = options;
  const log = logger.child({ component: 'realtime' });
  const notifier = new FleetNotifier(io, devices, locks, metrics, log, options.telemetryBatchMs, options.mayHaveRemoteMembers);
  const presence = new PresenceMonitor(devices, notifier, options.presence, log, options.lease, events);
  // Handlers run only after this function returned, so `recovery` is set by then.
  const recordMissing = () => recovery.requestCheck();
  const context: RealtimeContext = { devices, locks, commands, sessions, notifier, presence, events, metrics, logger: log, recordMissing };
  const recovery = new StoreRecovery(io, context, options.orphanSweepIntervalMs, log);
  const tablets = new TabletPresence(
    io,
    context,
    { graceMs: options.tablets.lockGraceMs, refreshIntervalMs: options.tablets.lockRefreshIntervalMs },
    log,
  );
  // Flushed as often as presence is checked, so a streaming headset's lastSeen stays well inside DEVICE_STALE_MS.
  const frameActivity = new FrameActivity(devices, options.presence.checkIntervalMs, log).start();
  const modules: SocketModule[] = [
    tokenExpiry(metrics),
    tablets,
    headsetSocket(context),
    dashboardSocket(context, io),
    viewerSocket(context, options.viewers),
    lockSocket(context, io),
    recordingSocket(context),
    commandSocket(context),
    sessionSocket(context, { cleanupIntervalMs: options.sessionCleanupIntervalMs, lease: options.lease }),
    frameSocket(io, options.frames, metrics, log, frameActivity),
    ...(options.modules ?? []),
  ];
  const orphanSweep = new PeriodicTask(
    'orphan-sweep',
    options.orphanSweepIntervalMs,
    async () => void (await sweepOrphans(io, context, tablets, options.orphanSweepIntervalMs * 2)),
    log,
    options.lease,
  );

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

  presence.start();
  orphanSweep.start();
  recovery.start();
  return {
    context,
    storeReconnected: () => recovery.requestCheck(),
    stop() {
      presence.stop();
      frameActivity.stop();
      notifier.stop();
      orphanSweep.stop();
      recovery.stop();
      for (const module of modules) module.stop?.();
    },
  };
}

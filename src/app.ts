import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { Server as SocketServer } from 'socket.io';
import type { Config } from './config';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { createStore, RedisStore, type Store } from './state';
import { createStorage, type ObjectStorage } from './storage';
import { requestLogging } from './http/request-logging';
import { httpMetrics } from './http/http-metrics';
import { errorHandler, notFound } from './http/errors';
import { healthRoutes } from './http/health-routes';
import { authRoutes } from './http/auth-routes';
import { createRestAuth } from './http/require-auth';
import { fleetRoutes } from './fleet/fleet-routes';
import { TokenService } from './auth';
import { DeviceService } from './fleet/device-service';
import { LockService } from './locks/lock-service';
import { SessionService } from './sessions/session-service';
import { sessionRoutes } from './sessions/session-routes';
import { registerFleetGauges } from './fleet/fleet-gauges';
import { registerSessionGauges } from './sessions/session-gauges';
import { registerStorageGauges } from './storage/storage-gauges';
import { attachRealtime, type Realtime } from './realtime';
import type { CaptureIo } from './realtime/types';
import { preEncodingParser } from './realtime/pre-encoded';
import { createUploads } from './uploads';
import { DomainEvents } from './domain/events';
import { CommandLedger } from './commands/command-ledger';
import { commandRoutes } from './commands/command-routes';
import { createAudit, type Audit } from './audit';
import { logDomainEvents } from './event-log';
import { createClusterAdapter, type ClusterAdapter } from './realtime/cluster-adapter';
import { isRedisConfigured } from './state/redis/connection';
import { PeriodicTask } from './util/periodic-task';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { QaService } from './quality/qa-service';
import { qaRoutes } from './quality/qa-routes';
import { StorageStatsService } from './storage-stats/stats-service';
import { storageStatsRoutes } from './storage-stats/stats-routes';
import { startGaugeRefresh } from './storage-stats/gauge-refresh';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { apiDocumentRoutes } from './http/api-document-routes';
import { routeDocs } from './http/route-docs';
import { corsOptions, httpSecurity } from './hardening/http-security';
import { applyServerTimeouts, controlRequestTimeout } from './hardening/request-timeouts';
import { limitConnectionsPerAddress, type ConnectionLimitOptions } from './hardening/connection-limit';
import { createAlarms, type AlarmService } from './alarms';
import { WebhookService } from './webhooks/webhook-service';
import { webhookRoutes } from './webhooks/webhook-routes';
import { RecordingService } from './recordings/recording-service';
import { recordingRoutes } from './recordings/recording-routes';
import { recordingSocket } from './recordings/recording-socket';
import { registerRecordingMetrics } from './recordings/recording-gauges';

export interface ServerDeps {
  logger?: Logger;
  store?: Store;
  storage?: ObjectStorage;
}

export interface CaptureServer {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly storage: ObjectStorage;
  readonly app: express.Express;
  readonly io: CaptureIo;
  readonly tokens: TokenService;
  readonly devices: DeviceService;
  readonly locks: LockService;
  readonly sessions: SessionService;
  /** Recording records, their integrity gate and curation. */
  readonly recordings: RecordingService;
  /** What the domain announces (device reports, session upload progress). */
  readonly events: DomainEvents;
  readonly realtime: Realtime;
  /** The device timelines and the audit log. */
  readonly audit: Audit;
  readonly alarms: AlarmService;
  readonly webhooks: WebhookService;
  /** This process's identity in the cluster. */
  readonly instanceId: string;
  readonly httpServer: http.Server;
  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Base URL once listening, e.g. http://127.0.0.1:41234. */
  url(): string;
  /** Stops accepting, disconnects sockets, closes the store. Bounded by SHUTDOWN_TIMEOUT_MS. */
  close(): Promise<void>;
}

/** JSON bodies are small control messages; recordings never travel as JSON. */
const JSON_BODY_LIMIT = '200kb';
/** How long listen() waits to tell the other processes of this one with Redis unreachable (it then starts anyway). */
const PEER_ANNOUNCE_TIMEOUT_MS = 3_000;

/**
 * Builds a complete server from a Config without touching the environment or
 * process-wide state, so tests can run as many as they like on port 0.
 */
export function createServer(config: Config, deps: ServerDeps = {}): CaptureServer {
  const logger = deps.logger ?? createLogger(config);
  // This process's name in the cluster: it owns the leases of cluster-wide jobs it runs.
  const instanceId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const metrics = createMetrics();
  const tokens = new TokenService(config.auth.jwtSecret, config.auth.deviceTokenExpiry);
  const store = deps.store ?? createStore(config, logger);
  const storage = deps.storage ?? createStorage(config);
  // First, so every service can publish and every transport subscribe from the start.
  const events = new DomainEvents();
  logDomainEvents(events, logger);
  const devices = new DeviceService(store, events, { staleMs: config.timing.deviceStaleMs });
  const locks = new LockService(store, events);
  const sessions = new SessionService(
    store,
    locks,
    { expiryMs: config.timing.sessionExpiryMs, maxPerTablet: config.limits.sessionsPerTablet, logger },
    events,
  );
  const restAuth = createRestAuth(tokens, config.auth);
  const audit = createAudit({
    store,
    events,
    auth: restAuth,
    registry: metrics.registry,
    logger,
    enabled: config.timeline.enabled,
  });
  const alarms = createAlarms({ config: config.alarms, store, storage, events, devices, locks, metrics, logger, auth: restAuth });
  const webhooks = new WebhookService({
    config: config.webhooks,
    store,
    events,
    logger: logger.child({ component: 'webhooks' }),
    registry: metrics.registry,
  }).start();
  const startedAt = Date.now();
  // Before uploads publish anything: it listens to recording starts/stops and upload changes.
  const recordings = new RecordingService({
    store,
    storage,
    events,
    logger,
    metrics: registerRecordingMetrics(metrics.registry, store),
    config: config.recordings,
    quality: config.quality,
    instanceId,
  });
  const uploads = createUploads({
    config,
    auth: restAuth,
    store,
    storage,
    metrics,
    logger,
    sessions,
    events,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.server.trustProxy);
  // First, so that every control request is timed from its start.
  app.use(controlRequestTimeout(config.server.timeouts, logger.child({ component: 'http' })));
  app.use(requestLogging(logger));
  app.use(httpMetrics(metrics));
  app.use(httpSecurity(config));
  app.use(audit.restWrites);
  app.use(uploads.router);
  // No JSON parser for the whole app: each route that takes a body parses it after
  // authenticating, so an anonymous client cannot make the server read (and hold) one.
  app.use(healthRoutes({ config, store, storage, metrics, startedAt, logger }));
  app.use(authRoutes(restAuth, JSON_BODY_LIMIT, (entry) => audit.record(entry)));
  app.use(fleetRoutes(restAuth, devices));
  app.use(sessionRoutes(restAuth, sessions, store));
  app.use(commandRoutes(restAuth, store));
  app.use(audit.router);
  const qa = new QaService({ storage, store, metrics, logger, config: config.quality });
  const storageStats = new StorageStatsService({ storage, metrics, logger, config: config.storageStats });
  app.use(qaRoutes(restAuth, qa));
  app.use(storageStatsRoutes(restAuth, storageStats));
  app.use(recordingRoutes(restAuth, recordings));
  app.use(alarms.router);
  app.use(webhookRoutes(restAuth, webhooks));
  app.use(apiDocumentRoutes(config.version, routeDocs(config)));
  app.use(dashboardRoutes());
  app.use(notFound);
  app.use(errorHandler);

  const httpServer = http.createServer(app);
  applyServerTimeouts(httpServer, config.server.timeouts);
  const lease = { leases: store.leases, owner: instanceId };
  const uploadSweep = new PeriodicTask(
    'upload-sweep',
    config.uploads.sweepIntervalMs,
    async () => void (await uploads.sweeper.sweep()),
    logger,
    lease,
  ).start();
  const recordingSweep = new PeriodicTask(
    'recording-sweep',
    config.recordings.sweepIntervalMs,
    async () => void (await recordings.sweep()),
    logger,
    lease,
  ).start();
  // Once at start too: verifications a stopped process left are resumed now, not a sweep interval later.
  void recordingSweep.runOnce();
  const gaugeRefresh = startGaugeRefresh({
    qa,
    stats: storageStats,
    intervalMs: config.storageStats.refreshIntervalMs,
    logger,
    lease,
  });
  // Several processes share broadcasts through Redis; one process keeps Socket.IO's in-memory adapter.
  const cluster: ClusterAdapter | undefined = isRedisConfigured(config.redis)
    ? createClusterAdapter({ connection: config.redis, keyPrefix: config.redis.keyPrefix, mode: config.redis.adapter, logger })
    : undefined;
  const io: CaptureIo = new SocketServer(httpServer, {
    ...(cluster ? { adapter: cluster.adapter } : {}),
    // Frames are JPEG and telemetry is small: compression costs CPU and saves little, on either transport.
    perMessageDeflate: false,
    httpCompression: false,
    // Writes JSON the server encoded once (telemetry updates and batches) as it is.
    parser: preEncodingParser,
    // Room above the relay's own frame limit, so the relay (not the transport) drops oversized frames.
    maxHttpBufferSize: config.limits.maxFrameBytes * 2 + 64 * 1024,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // A connection that never joins a namespace is closed after this (Socket.IO's default is 45 s),
    // so raw Engine.IO connections cannot hold an address's MAX_CONNECTIONS_PER_IP slots for long.
    connectTimeout: config.limits.socketConnectTimeoutMs,
    cors: { ...corsOptions(config), methods: ['GET', 'POST'] },
  });

  const commands = new CommandLedger(store, events, {
    ackTimeoutMs: config.timing.recordingAckTimeoutMs,
    logger: logger.child({ component: 'commands' }),
    lease,
  }).start();
  const realtime = attachRealtime({
    io,
    modules: [alarms.start(io, lease), recordingSocket(io, events, recordings)],
    tokens,
    devices,
    locks,
    sessions,
    events,
    commands,
    metrics,
    logger,
    authRequired: config.auth.required,
    rateLimit: { perSecond: config.limits.socketEventsPerSecond, burst: config.limits.socketEventBurst },
    presence: {
      checkIntervalMs: Math.max(250, Math.min(5_000, Math.floor(config.timing.deviceStaleMs / 3))),
      cleanupIntervalMs: config.timing.sessionCleanupIntervalMs,
      offlineExpiryMs: config.timing.offlineDeviceExpiryMs,
    },
    tablets: {
      lockGraceMs: config.timing.lockGraceMs,
      lockRefreshIntervalMs: Math.max(1_000, Math.floor((config.ttl.lockSeconds * 1000) / 4)),
    },
    sessionCleanupIntervalMs: config.timing.sessionCleanupIntervalMs,
    orphanSweepIntervalMs: config.timing.orphanSweepIntervalMs,
    lease,
    viewers: { maxWatchesPerSocket: config.limits.maxWatchesPerSocket },
    telemetryBatchMs: config.limits.telemetryBatchMs,
    mayHaveRemoteMembers: (room) => cluster?.mayHaveRemoteMembers(room) ?? false,
    frames: {
      maxFrameBytes: config.limits.maxFrameBytes,
      throttleMs: config.limits.frameThrottleMs,
      batchIntervalMs: config.limits.frameBatchIntervalMs,
      maxBatchSize: config.limits.maxFrameBatchSize,
    },
  });
  // A failover may lose the primary's last unreplicated writes: put back what open connections stand for.
  const stopFollowingReconnects = store instanceof RedisStore ? store.onReconnected(() => realtime.storeReconnected()) : undefined;
  audit.attachLive(io);
  // After attachRealtime's authentication, so a bad token is refused for what it is.
  limitConnectionsPerAddress(io, {
    maxPerAddress: config.limits.maxConnectionsPerIp,
    trustProxy: app.get('trust proxy fn') as ConnectionLimitOptions['trustProxy'],
    metrics,
    logger: logger.child({ component: 'connection-limit' }),
  });
  registerFleetGauges(metrics.registry, devices);
  registerSessionGauges(metrics.registry, sessions);
  registerStorageGauges(metrics.registry, storage);

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutdown());

  async function shutdown(): Promise<void> {
    const log = logger.child({ component: 'shutdown' });
    const forced = setTimeout(() => {
      log.warn('shutdown timeout reached; closing remaining connections');
      httpServer.closeAllConnections();
    }, config.server.shutdownTimeoutMs);
    forced.unref();
    stopFollowingReconnects?.();
    realtime.stop();
    commands.stop();
    audit.stop();
    alarms.stop();
    webhooks.stop();
    uploadSweep.stop();
    recordingSweep.stop();
    recordings.stop();
    gaugeRefresh.stop();
    try {
      // io.close() disconnects every socket and closes the HTTP server.
      await new Promise<void>((resolve, reject) => {
        io.close(() => resolve()).catch(reject);
        httpServer.closeIdleConnections();
      });
    } catch (err) {
      log.warn({ err }, 'error while closing the HTTP server');
    }
    await uploads.sweeper.stop();
    await Promise.allSettled([store.close(), storage.close(), cluster?.close()]);
    clearTimeout(forced);
  }

  return {
    config,
    logger,
    metrics,
    store,
    storage,
    app,
    io,
    tokens,
    devices,
    locks,
    sessions,
    recordings,
    events,
    realtime,
    audit,
    alarms: alarms.service,
    webhooks,
    instanceId,
    httpServer,
    async listen(port = config.server.port, host = config.server.host) {
      // Before any client can connect here, the processes already running must know of this one.
      await cluster?.join(PEER_ANNOUNCE_TIMEOUT_MS);
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    url() {
      const address = httpServer.address() as AddressInfo | null;
      if (!address) throw new Error('server is not listening');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    },
    close,
  };
}

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import express from 'express';
import type { Logger } from 'pino';
import { Server as SocketServer } from 'socket.io';
import { TokenService } from './auth';
import type { Config } from './config';
import { DomainEvents } from './domain/events';
import type { FeatureContext } from './feature/feature';
import type { FeatureServices } from './feature/services';
import { buildFeatures } from './feature/build';
import { FEATURES } from './features';
import { corsOptions, httpSecurity } from './http/http-security';
import { applyServerTimeouts, controlRequestTimeout } from './http/request-timeouts';
import { limitConnectionsPerAddress, type ConnectionLimitOptions } from './hardening/connection-limit';
import { apiDocumentRouteDocs, apiDocumentRoutes } from './http/api-document-routes';
import { errorHandler, notFound } from './http/errors';
import { healthRouteDocs, healthRoutes } from './http/health-routes';
import { httpMetrics } from './http/http-metrics';
import { requestLogging } from './http/request-logging';
import { createRestAuth } from './http/require-auth';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { attachRealtime, type Realtime } from './realtime';
import { Broadcaster } from './realtime/broadcaster';
import { createClusterAdapter, type ClusterAdapter } from './realtime/cluster-adapter';
import { preEncodingParser } from './realtime/pre-encoded';
import { StoreRecovery } from './realtime/store-recovery';
import type { CaptureIo } from './realtime/types';
import { createStore, type Store } from './state';
import { isRedisConfigured } from './state/redis/connection';
import { createStorage, type ObjectStorage } from './storage';
import { registerStorageGauges } from './storage/storage-gauges';

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
  /** What the domain announces. */
  readonly events: DomainEvents;
  /** What the features provide (devices, locks, sessions, recordings, alarms, audit, ...), by name. */
  readonly services: FeatureServices;
  /** The Socket.IO transport (what it handles is read by the API documents' tests). */
  readonly realtime: Realtime;
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
  // First, so every feature can publish and subscribe from the start.
  const events = new DomainEvents();
  const auth = createRestAuth(tokens, config.auth);
  const startedAt = Date.now();
  const lease = { leases: store.leases, owner: instanceId };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.server.trustProxy);
  // First, so that every control request is timed from its start.
  app.use(controlRequestTimeout(config.server.timeouts, logger.child({ component: 'http' })));
  app.use(requestLogging(logger));
  app.use(httpMetrics(metrics));
  app.use(httpSecurity(config));
  const httpServer = http.createServer(app);
  applyServerTimeouts(httpServer, config.server.timeouts);

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
  const broadcast = new Broadcaster(io, metrics, (room) => cluster?.mayHaveRemoteMembers(room) ?? false);
  const recovery = new StoreRecovery(io, config.timing.orphanSweepIntervalMs, logger.child({ component: 'realtime' }));

  const context: Omit<FeatureContext, 'services'> = {
    config,
    logger,
    metrics,
    store,
    storage,
    events,
    tokens,
    auth,
    io,
    broadcast,
    lease,
    instanceId,
    recovery,
  };
  const features = buildFeatures(FEATURES, context);

  // No JSON parser for the whole app: each route that takes a body parses it after
  // authenticating, so an anonymous client cannot make the server read (and hold) one.
  for (const middleware of features.middleware) app.use(middleware);
  app.use(healthRoutes({ config, store, storage, metrics, startedAt, logger }));
  for (const routes of features.routes) app.use(routes);
  app.use(apiDocumentRoutes(config.version, [...healthRouteDocs, ...features.routeDocs, ...apiDocumentRouteDocs]));
  app.use(notFound);
  app.use(errorHandler);

  const realtime = attachRealtime({
    io,
    tokens,
    metrics,
    logger,
    authRequired: config.auth.required,
    rateLimit: { perSecond: config.limits.socketEventsPerSecond, burst: config.limits.socketEventBurst },
    modules: features.sockets,
  });
  // After attachRealtime's authentication, so a bad token is refused for what it is.
  limitConnectionsPerAddress(io, {
    maxPerAddress: config.limits.maxConnectionsPerIp,
    maxEnginePerAddress: config.limits.maxEngineConnectionsPerIp,
    trustProxy: app.get('trust proxy fn') as ConnectionLimitOptions['trustProxy'],
    metrics,
    logger: logger.child({ component: 'connection-limit' }),
  });
  features.registerGauges(metrics.registry);
  registerStorageGauges(metrics.registry, storage);
  // A failover may lose the primary's last unreplicated writes: put back what open connections stand for.
  const stopFollowingReconnects = store.onReconnected?.(() => recovery.requestCheck());
  recovery.start();
  features.start();

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
    recovery.stop();
    realtime.stop();
    // In reverse order; what a feature still has to finish (a sweep in progress) is waited for after the connections close.
    const stopping = features.stop();
    try {
      // io.close() disconnects every socket and closes the HTTP server.
      await new Promise<void>((resolve, reject) => {
        io.close(() => resolve()).catch(reject);
        httpServer.closeIdleConnections();
      });
    } catch (err) {
      log.warn({ err }, 'error while closing the HTTP server');
    }
    await stopping;
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
    events,
    services: features.services,
    realtime,
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

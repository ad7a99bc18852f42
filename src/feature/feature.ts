import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TokenService } from '../auth';
import type { Config } from '../config';
import type { DomainEvents } from '../domain/events';
import type { RestAuthDeps } from '../http/require-auth';
import type { RouteDoc } from '../http/route-doc';
import type { Metrics } from '../metrics';
import type { Broadcaster } from '../realtime/broadcaster';
import type { SocketModule } from '../realtime/socket-module';
import type { StoreRecovery } from '../realtime/store-recovery';
import type { CaptureIo } from '../realtime/types';
import type { Store } from '../state/types';
import type { ObjectStorage } from '../storage/types';
import type { TaskLease } from '../util/periodic-task';
import type { FeatureServices, ServiceRegistry } from './services';

/**
 * The shared parts the composition root (app.ts) builds before any feature,
 * handed to every feature's factory.
 */
export interface FeatureContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly storage: ObjectStorage;
  readonly events: DomainEvents;
  readonly tokens: TokenService;
  /** REST authentication: the admin key, device tokens and the wrong-key limiter. */
  readonly auth: RestAuthDeps;
  readonly io: CaptureIo;
  /** Counted emits to rooms (cluster-wide). */
  readonly broadcast: Broadcaster;
  /** Cluster-wide jobs run under this lease, on one process at a time. */
  readonly lease: TaskLease;
  /** This process's name in the cluster. */
  readonly instanceId: string;
  /** Restores what open connections stand for when the store lost it; features add their checks. */
  readonly recovery: StoreRecovery;
  /** What the features listed before this one provide. */
  readonly services: ServiceRegistry;
}

/** Something that runs in the background from start to stop (a PeriodicTask, a sweep). */
export interface BackgroundTask {
  start(): unknown;
  stop(): void;
}

/**
 * What a feature brings to the server. The composition root walks the feature
 * list once: it mounts the middleware and routes, documents the routes,
 * registers the socket modules and gauges, starts the tasks and the feature,
 * and on shutdown stops the features in reverse order.
 */
export interface Feature {
  /** The feature's folder name: its log component and its name in errors. */
  readonly name: string;
  /** Services later features may use (ctx.services.get(name)). */
  readonly provides?: Partial<FeatureServices>;
  /** Run before every route of every feature (an audit of REST writes). */
  readonly middleware?: readonly RequestHandler[];
  /** The feature's REST routes; each takes and checks its own body. */
  readonly routes?: Router;
  /** How each of its routes is documented in /api/openapi.json (a test matches them with the routes). */
  readonly routeDocs?: readonly RouteDoc[];
  /** Its Socket.IO side: registered on every connection, in feature order. */
  readonly sockets?: readonly SocketModule[];
  /** Registers the gauges it owns on the server's registry. */
  registerGauges?(registry: Registry): void;
  /** Started after every feature is built, stopped before the feature's own stop(). */
  readonly tasks?: readonly BackgroundTask[];
  /** Runs once every feature is built and its tasks started (a first sweep, listeners that need others). */
  start?(): void;
  /** Stops what the feature started; the server closes its connections and store afterwards. */
  stop?(): void | Promise<void>;
}

export type FeatureFactory = (ctx: FeatureContext) => Feature;

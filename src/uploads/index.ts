import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { RestAuthDeps } from '../http/require-auth';
import type { Metrics } from '../metrics';
import type { Store } from '../state';
import type { ObjectStorage } from '../storage';
import { legacyUploadRoutes } from './legacy-upload';
import { localPartRoutes } from './local-part-routes';
import type { SessionUploads } from '../sessions';
import type { FeatureFactory } from '../feature/feature';
import { legacyUploadRouteDocs } from './legacy-upload';
import { localPartRouteDocs } from './local-part-routes';
import { chunkedUploadRouteDocs } from './upload-routes';
import './events';
import { UploadSweeper } from './sweep';
import { chunkedUploadRoutes } from './upload-routes';
import { countUploadFailures } from './http';
import { registerUploadGauges } from './upload-gauges';
import { UploadService } from './upload-service';
import { PeriodicTask } from '../util/periodic-task';
import type { DomainEvents } from '../domain/events';

export interface UploadsDeps {
  config: Config;
  auth: RestAuthDeps;
  store: Store;
  storage: ObjectStorage;
  metrics: Metrics;
  logger: Logger;
  /** Uploads report a device's progress to its capture session through this. */
  sessions: SessionUploads;
  events: DomainEvents;
}

/**
 * The uploads feature, assembled: its routes (mount before the global JSON
 * parser, since part bodies are raw bytes and a complete can exceed the global
 * limit), the service, and the stale-upload sweeper (started by the caller).
 */
export function createUploads(deps: UploadsDeps) {
  const logger = deps.logger.child({ component: 'uploads' });
  const { sessions } = deps;
  const service = new UploadService({
    store: deps.store,
    storage: deps.storage,
    metrics: deps.metrics,
    gauges: registerUploadGauges(deps.metrics.registry),
    logger,
    sessions,
    events: deps.events,
    partUrlExpirySeconds: deps.config.uploads.partUrlExpirySeconds,
    urlsPerAnswer: deps.config.uploads.urlsPerAnswer,
    inProgressPerDevice: deps.config.uploads.inProgressPerDevice,
  });
  const sweeper = new UploadSweeper({
    store: deps.store,
    storage: deps.storage,
    service,
    logger,
    expiryHours: deps.config.uploads.expiryHours,
  });
  const maxUploadBytes = deps.config.limits.maxUploadBytes;
  const router = Router();
  // Only a driver whose part URLs point back at this server needs the part route.
  if (deps.storage.localParts) router.use(localPartRoutes(deps.storage.localParts));
  router.use(chunkedUploadRoutes({ auth: deps.auth, service, maxUploadBytes, publicBaseUrl: deps.config.uploads.publicBaseUrl }));
  router.use(legacyUploadRoutes({ auth: deps.auth, storage: deps.storage, service, sessions, maxUploadBytes }));
  router.use(countUploadFailures(deps.metrics));
  return { router, service, sweeper };
}

export { UploadService } from './upload-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Chunked and legacy uploads of recordings. */
    uploads: UploadService;
  }
}

/**
 * Recordings arriving: presigned multipart uploads (chunked), the legacy
 * one-request form, local part URLs when storage is the local disk, and the
 * sweep that aborts uploads left unfinished.
 */
export const uploads: FeatureFactory = (ctx) => {
  const { config } = ctx;
  const assembled = createUploads({ ...ctx, sessions: ctx.services.get('sessions') });
  const sweep = new PeriodicTask(
    'upload-sweep',
    config.uploads.sweepIntervalMs,
    async () => void (await assembled.sweeper.sweep()),
    ctx.logger,
    ctx.lease,
  );
  return {
    name: 'uploads',
    provides: { uploads: assembled.service },
    routes: assembled.router,
    routeDocs: [
      ...chunkedUploadRouteDocs(config.limits.maxUploadBytes),
      // Registered only with the local storage driver; documented always, since a client cannot tell in advance.
      ...localPartRouteDocs,
      ...legacyUploadRouteDocs,
    ],
    tasks: [sweep],
    stop: () => assembled.sweeper.stop(),
  };
};
export type {
  AbortAnswer,
  CompleteAnswer,
  CompleteRequest,
  PartsAnswer,
  SignPartsAnswer,
  SignPartsRequest,
  StartAnswer,
  StartRequest,
  UploadRef,
} from './schemas';

import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { RestAuthDeps } from '../http/require-auth';
import type { Metrics } from '../metrics';
import type { Store } from '../state';
import { LocalStorage, type ObjectStorage } from '../storage';
import { legacyUploadRoutes } from './legacy-upload';
import { localPartRoutes } from './local-part-routes';
import { SessionProgress, type SessionUploadListener } from './session-progress';
import { UploadSweeper } from './sweep';
import { chunkedUploadRoutes } from './upload-routes';
import { UploadService } from './upload-service';

export type { SessionUploadListener } from './session-progress';

export interface UploadsDeps {
  config: Config;
  auth: RestAuthDeps;
  store: Store;
  storage: ObjectStorage;
  metrics: Metrics;
  logger: Logger;
  onSessionUploadChanged?: SessionUploadListener;
}

/**
 * The uploads feature, assembled: its routes (mount before the global JSON
 * parser, since part bodies are raw bytes and a complete can exceed the global
 * limit), the service, and the stale-upload sweeper (started by the caller).
 */
export function createUploads(deps: UploadsDeps) {
  const logger = deps.logger.child({ component: 'uploads' });
  const sessions = new SessionProgress(deps.store, logger, deps.onSessionUploadChanged);
  const service = new UploadService({
    store: deps.store,
    storage: deps.storage,
    metrics: deps.metrics,
    logger,
    sessions,
    partUrlExpirySeconds: deps.config.uploads.partUrlExpirySeconds,
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
  if (deps.storage instanceof LocalStorage) router.use(localPartRoutes(deps.storage, deps.metrics));
  router.use(
    chunkedUploadRoutes({ auth: deps.auth, service, maxUploadBytes, publicBaseUrl: deps.config.uploads.publicBaseUrl }),
  );
  router.use(legacyUploadRoutes({ auth: deps.auth, storage: deps.storage, service, sessions, maxUploadBytes }));
  return { router, service, sweeper };
}

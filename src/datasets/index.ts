import type { FeatureFactory } from '../feature/feature';
import { PeriodicTask } from '../util/periodic-task';
import { DatasetBuilder } from './builder';
import { datasetRouteDocs, datasetRoutes } from './dataset-routes';
import { DatasetService } from './dataset-service';
import type { DatasetStore } from './dataset-store';
import { datasetSocket } from './dataset-socket';
import { MemoryDatasetStore } from './memory-dataset-store';
import { RedisDatasetStore } from './redis-dataset-store';
import './events';

export { DatasetService } from './dataset-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Dataset builds: LeRobotDataset v3.0 versions made from verified takes. */
    datasets: DatasetService;
  }
}

/** How often each process looks for builds to start or resume (each runs under a lease of its own). */
const POLL_INTERVAL_MS = 2_000;

/**
 * Datasets: /api/datasets requests a LeRobotDataset v3.0 version of the takes
 * a filter selects; the build is a job in the store, run by one process at a
 * time under a lease, resumed after a restart or a kill where it stopped;
 * on-dataset-progress tells dashboards how far it is.
 */
export const datasets: FeatureFactory = (ctx) => {
  const store = ctx.store.extend<DatasetStore>({
    memory: () => new MemoryDatasetStore(),
    redis: ({ client }) => new RedisDatasetStore(client),
  });
  const recordings = ctx.services.get('recordings');
  const log = ctx.logger.child({ component: 'datasets' });
  const builder = new DatasetBuilder({
    datasets: store,
    storage: ctx.storage,
    store: ctx.store,
    recordings,
    npzLimits: { maxBytes: ctx.config.quality.maxNpzBytes, maxCompressionRatio: ctx.config.quality.maxCompressionRatio },
    serverVersion: ctx.config.version,
    leases: ctx.store.leases,
    owner: ctx.instanceId,
    events: ctx.events,
    log,
    leaseMs: ctx.config.datasets.leaseSeconds * 1000,
  });
  const service = new DatasetService({
    datasets: store,
    storage: ctx.storage,
    events: ctx.events,
    builder,
    listRecordings: (query) => recordings.list(query),
    serverVersion: ctx.config.version,
  });
  const poll = new PeriodicTask('dataset-builds', POLL_INTERVAL_MS, () => builder.runPending(), ctx.logger);
  return {
    name: 'datasets',
    provides: { datasets: service },
    routes: datasetRoutes(ctx.auth, service),
    routeDocs: datasetRouteDocs,
    sockets: [datasetSocket(ctx.broadcast, ctx.events)],
    tasks: [poll],
    // Builds a stopped process left are resumed now, not a poll later.
    start: () => void poll.runOnce(),
    stop: () => builder.stop(),
  };
};

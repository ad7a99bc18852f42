import type { FeatureFactory } from '../feature/feature';
import { gaugeRefresh } from './gauge-refresh';
import { storageStatsRouteDocs, storageStatsRoutes } from './stats-routes';
import { StorageStatsService } from './stats-service';

/**
 * What the recordings take in storage and cost (/api/s3-stats), and the
 * periodic refresh of the storage and QA gauges for Prometheus.
 */
export const storageStats: FeatureFactory = (ctx) => {
  const { config } = ctx;
  const stats = new StorageStatsService({ storage: ctx.storage, metrics: ctx.metrics, logger: ctx.logger, config: config.storageStats });
  const refresh = gaugeRefresh({
    qa: ctx.services.get('qa'),
    stats,
    intervalMs: config.storageStats.refreshIntervalMs,
    logger: ctx.logger,
    lease: ctx.lease,
  });
  return {
    name: 'storage-stats',
    routes: storageStatsRoutes(ctx.auth, stats),
    routeDocs: storageStatsRouteDocs,
    tasks: [refresh],
    // Once at start too: Grafana has values right after a restart.
    start: () => void refresh.runOnce(),
  };
};

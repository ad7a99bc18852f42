import type { Logger } from 'pino';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import type { QaService } from '../quality';
import type { StorageStatsService } from './stats-service';

export interface GaugeRefreshDeps {
  qa: QaService;
  stats: StorageStatsService;
  intervalMs: number;
  logger: Logger;
  lease: TaskLease;
}

/**
 * Recomputes the QA and storage gauges on the server, so Grafana and the
 * LowQualitySessions alert have values after a restart without a browser
 * polling the REST endpoints. Leased: one process of the cluster lists the
 * bucket (dashboards take the max over instances). Run once at start (the
 * feature's start), then every interval; a failure of one (storage down) is
 * logged and retried.
 */
export function gaugeRefresh({ qa, stats, intervalMs, logger, lease }: GaugeRefreshDeps): PeriodicTask {
  const log = logger.child({ component: 'gauge-refresh' });
  return new PeriodicTask(
    'gauge-refresh',
    intervalMs,
    async () => {
      const [qaRun, statsRun] = await Promise.allSettled([qa.all(), stats.refreshGauges()]);
      if (qaRun.status === 'rejected') log.warn({ err: (qaRun.reason as Error)?.message }, 'QA gauges not refreshed; will retry');
      if (statsRun.status === 'rejected')
        log.warn({ err: (statsRun.reason as Error)?.message }, 'storage gauges not refreshed; will retry');
    },
    log,
    lease,
  );
}

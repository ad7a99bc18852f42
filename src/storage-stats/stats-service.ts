import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import type { ObjectStorage } from '../storage';
import { resolvePrices, type ResolvedPrices } from './costs';
import { computeS3Stats, type S3Stats } from './s3-stats';
import { registerStorageGauges, type StorageGauges } from './stats-gauges';

export interface StorageStatsDeps {
  storage: ObjectStorage;
  metrics: Metrics;
  logger: Logger;
  config: Config['storageStats'];
}

/**
 * S3Stats over the whole bucket (or DATA_DIR), cached for cacheSeconds: a
 * listing of a large bucket takes many requests, and dashboards poll. Requests
 * arriving while a listing runs share it.
 */
export class StorageStatsService {
  readonly prices: ResolvedPrices;
  private cached?: { stats: S3Stats; at: number };
  private running?: Promise<S3Stats>;
  private readonly gauges: StorageGauges;

  constructor(private readonly deps: StorageStatsDeps) {
    this.gauges = registerStorageGauges(deps.metrics.registry);
    this.prices = resolvePrices(deps.config.region, deps.config.prices);
    if (!this.prices.source.startsWith(deps.config.region)) {
      deps.logger.warn(
        { region: deps.config.region },
        `no published S3 prices known for this region; using ${this.prices.source}. Set S3_PRICE_* to correct them.`,
      );
    }
  }

  /** Cached stats unless they are older than cacheSeconds or `fresh` is asked for. */
  async get(fresh = false, now = Date.now()): Promise<S3Stats> {
    const cached = this.cached;
    if (!fresh && cached && now - cached.at < this.deps.config.cacheSeconds * 1000) return cached.stats;
    this.running ??= this.compute().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Lists the bucket for the gauges only (the server's periodic refresh). The
   * answer cache is left alone, so a refresh before an upload cannot make
   * /api/s3-stats answer an older listing than it would have.
   */
  async refreshGauges(now = Date.now()): Promise<void> {
    // A listing under way, or a fresh answer, already holds the figures (and compute() reports them): no second listing.
    if (this.running) return void (await this.running);
    const cached = this.cached;
    if (cached && now - cached.at < this.deps.config.cacheSeconds * 1000) return this.gauges.report(cached.stats);
    this.gauges.report(await computeS3Stats(this.deps.storage.listObjects(), this.prices));
  }

  private async compute(): Promise<S3Stats> {
    const stats = await computeS3Stats(this.deps.storage.listObjects(), this.prices);
    this.cached = { stats, at: Date.now() };
    this.gauges.report(stats);
    return stats;
  }
}

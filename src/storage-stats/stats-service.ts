import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import type { ObjectStorage } from '../storage';
import { resolvePrices, type ResolvedPrices } from './costs';
import { computeS3Stats, type S3Stats } from './s3-stats';

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
const GAUGE_TYPES = new Set(['mp4', 'npz', 'zip']);

export class StorageStatsService {
  readonly prices: ResolvedPrices;
  private cached?: { stats: S3Stats; at: number };
  private running?: Promise<S3Stats>;

  constructor(private readonly deps: StorageStatsDeps) {
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

  private async compute(): Promise<S3Stats> {
    const stats = await computeS3Stats(this.deps.storage.listObjects(), this.prices);
    this.cached = { stats, at: Date.now() };
    this.updateGauges(stats);
    return stats;
  }

  private updateGauges(stats: S3Stats): void {
    const { metrics } = this.deps;
    // File types are reported as mp4, npz, zip or other, so odd extensions in the
    // bucket cannot multiply the label values.
    const byType = new Map<string, { count: number; bytes: number }>();
    for (const [ext, t] of Object.entries(stats.byType)) {
      const type = GAUGE_TYPES.has(ext) ? ext : 'other';
      const entry = byType.get(type) ?? { count: 0, bytes: 0 };
      entry.count += t.count;
      entry.bytes += Math.round(t.sizeGB * 1024 ** 3);
      byType.set(type, entry);
    }
    metrics.storageObjects.reset();
    metrics.storageBytes.reset();
    for (const [type, t] of byType) {
      metrics.storageObjects.set({ type }, t.count);
      metrics.storageBytes.set({ type }, t.bytes);
    }
    metrics.storageSessions.set({ status: 'complete' }, stats.sessions.complete);
    metrics.storageSessions.set({ status: 'incomplete' }, stats.sessions.incomplete);
    metrics.storageMonthlyCost.set({ tier: 'standard' }, stats.costs.currentMonthly);
    metrics.storageMonthlyCost.set({ tier: 'intelligent_tiering' }, stats.costs.intelligentTiering);
    metrics.storageMonthlyCost.set({ tier: 'glacier_deep_archive' }, stats.costs.glacierDeepArchive);
  }
}

import { Gauge, type Registry } from 'prom-client';
import type { S3Stats } from './s3-stats';

/** File types are reported as mp4, npz, zip or other, so odd extensions in the bucket cannot multiply the label values. */
const GAUGE_TYPES = new Set(['mp4', 'npz', 'zip']);

export type StorageGauges = ReturnType<typeof registerStorageGauges>;

/** The bucket statistics' gauges, set whenever the bucket is listed. */
export function registerStorageGauges(registry: Registry) {
  const registers = [registry];
  const objects = new Gauge({
    name: 'turing_storage_objects',
    help: 'Objects in the recordings bucket by file type (extension)',
    labelNames: ['type'] as const,
    registers,
  });
  const bytes = new Gauge({
    name: 'turing_storage_bytes',
    help: 'Bytes in the recordings bucket by file type (extension)',
    labelNames: ['type'] as const,
    registers,
  });
  const folders = new Gauge({
    name: 'turing_storage_sessions',
    help: 'Session folders in the bucket by status: complete (MP4 and NPZ) or incomplete',
    labelNames: ['status'] as const,
    registers,
  });
  const monthlyCost = new Gauge({
    name: 'turing_storage_monthly_cost_dollars',
    help: 'Estimated monthly storage cost in USD by tier: standard, intelligent_tiering, glacier_deep_archive',
    labelNames: ['tier'] as const,
    registers,
  });
  return {
    report(stats: S3Stats): void {
      const byType = new Map<string, { count: number; bytes: number }>();
      for (const [ext, t] of Object.entries(stats.byType)) {
        const type = GAUGE_TYPES.has(ext) ? ext : 'other';
        const entry = byType.get(type) ?? { count: 0, bytes: 0 };
        entry.count += t.count;
        entry.bytes += Math.round(t.sizeGB * 1024 ** 3);
        byType.set(type, entry);
      }
      objects.reset();
      bytes.reset();
      for (const [type, t] of byType) {
        objects.set({ type }, t.count);
        bytes.set({ type }, t.bytes);
      }
      folders.set({ status: 'complete' }, stats.sessions.complete);
      folders.set({ status: 'incomplete' }, stats.sessions.incomplete);
      monthlyCost.set({ tier: 'standard' }, stats.costs.currentMonthly);
      monthlyCost.set({ tier: 'intelligent_tiering' }, stats.costs.intelligentTiering);
      monthlyCost.set({ tier: 'glacier_deep_archive' }, stats.costs.glacierDeepArchive);
    },
  };
}

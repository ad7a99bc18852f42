import { z } from 'zod';
import type { StoredObject } from '../storage';
import { monthlyCosts, type StoragePrices } from './costs';
import { PROCESSED_PREFIX, extensionOf, parseRecordingKey } from '../domain/layout';

const n = z.number();
const folderStatus = z.enum(['complete', 'incomplete']);
/** The spec's S3Stats (GET /api/s3-stats answers it with ok: true). Sizes in GB are bytes / 2^30, in MB bytes / 2^20. */
export const s3StatsSchema = z.object({
  overview: z.object({ totalFiles: n, totalSizeGB: n, totalSizeBytes: n, averageFileSizeMB: n, lastUpdated: z.string() }),
  byType: z.record(z.string(), z.object({ count: n, sizeGB: n, percentage: n })),
  sessions: z.object({
    total: n,
    complete: n,
    incomplete: n,
    sessions: z.array(z.object({ id: z.string(), files: n, sizeGB: n, hasMp4: z.boolean(), hasNpz: z.boolean(), status: folderStatus })),
  }),
  processedOutputs: z.object({ count: n, sizeGB: n, files: z.array(z.object({ name: z.string(), sizeGB: n, date: z.string() })) }),
  timeline: z.array(z.object({ date: z.string(), files: n, sizeGB: n, mp4Count: n, npzCount: n, zipCount: n })),
  costs: z.object({ currentMonthly: n, intelligentTiering: n, glacierDeepArchive: n, costPerSession: n }),
  insights: z.object({
    videoStats: z.object({ count: n, minGB: n, maxGB: n, avgGB: n, medianGB: n }),
    npzStats: z.object({ count: n, minMB: n, maxMB: n, avgMB: n, medianMB: n }),
  }),
});
export type S3Stats = z.infer<typeof s3StatsSchema>;

const GB = 1024 ** 3;
const MB = 1024 ** 2;
/** byType key of files without an extension. */
const NO_EXTENSION = '(none)';

interface FolderAcc {
  files: number;
  bytes: number;
  hasMp4: boolean;
  hasNpz: boolean;
}

interface DayAcc {
  files: number;
  bytes: number;
  mp4Count: number;
  npzCount: number;
  zipCount: number;
}

/**
 * Folds a whole listing into S3Stats in one pass. Memory grows with the
 * number of recording folders, days and processed files (all of which are in the
 * answer), not with the listing.
 */
export async function computeS3Stats(objects: AsyncIterable<StoredObject>, prices: StoragePrices, now = new Date()): Promise<S3Stats> {
  let totalFiles = 0;
  let totalBytes = 0;
  const types = new Map<string, { count: number; bytes: number }>();
  /** By recording folder; the spec's S3Stats lists them as sessions. */
  const folders = new Map<string, FolderAcc>();
  const days = new Map<string, DayAcc>();
  const processed: S3Stats['processedOutputs']['files'] = [];
  let processedBytes = 0;
  const videoSizes: number[] = [];
  const npzSizes: number[] = [];

  for await (const object of objects) {
    const ext = extensionOf(object.key);
    totalFiles++;
    totalBytes += object.size;
    const type = types.get(ext || NO_EXTENSION) ?? { count: 0, bytes: 0 };
    type.count++;
    type.bytes += object.size;
    types.set(ext || NO_EXTENSION, type);

    if (ext === 'mp4') videoSizes.push(object.size);
    if (ext === 'npz') npzSizes.push(object.size);

    const parts = parseRecordingKey(object.key);
    if (parts) {
      const folder = folders.get(parts.recordingFolder) ?? { files: 0, bytes: 0, hasMp4: false, hasNpz: false };
      folder.files++;
      folder.bytes += object.size;
      folder.hasMp4 ||= ext === 'mp4';
      folder.hasNpz ||= ext === 'npz';
      folders.set(parts.recordingFolder, folder);
    } else if (object.key.startsWith(PROCESSED_PREFIX)) {
      processed.push({
        name: object.key.slice(PROCESSED_PREFIX.length),
        sizeGB: object.size / GB,
        date: object.lastModified.toISOString(),
      });
      processedBytes += object.size;
    }

    const date = object.lastModified.toISOString().slice(0, 10);
    const day = days.get(date) ?? { files: 0, bytes: 0, mp4Count: 0, npzCount: 0, zipCount: 0 };
    day.files++;
    day.bytes += object.size;
    if (ext === 'mp4') day.mp4Count++;
    if (ext === 'npz') day.npzCount++;
    if (ext === 'zip') day.zipCount++;
    days.set(date, day);
  }

  const sessionList = [...folders].map(([id, s]) => ({
    id,
    files: s.files,
    sizeGB: s.bytes / GB,
    hasMp4: s.hasMp4,
    hasNpz: s.hasNpz,
    status: s.hasMp4 && s.hasNpz ? ('complete' as const) : ('incomplete' as const),
  }));
  const complete = sessionList.filter((s) => s.status === 'complete').length;
  const byType: S3Stats['byType'] = {};
  for (const [ext, t] of [...types].sort(([a], [b]) => (a < b ? -1 : 1))) {
    byType[ext] = { count: t.count, sizeGB: t.bytes / GB, percentage: totalBytes === 0 ? 0 : (100 * t.bytes) / totalBytes };
  }

  return {
    overview: {
      totalFiles,
      totalSizeGB: totalBytes / GB,
      totalSizeBytes: totalBytes,
      averageFileSizeMB: totalFiles === 0 ? 0 : totalBytes / totalFiles / MB,
      lastUpdated: now.toISOString(),
    },
    byType,
    sessions: { total: sessionList.length, complete, incomplete: sessionList.length - complete, sessions: sessionList },
    processedOutputs: { count: processed.length, sizeGB: processedBytes / GB, files: processed },
    timeline: [...days]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, d]) => ({
        date,
        files: d.files,
        sizeGB: d.bytes / GB,
        mp4Count: d.mp4Count,
        npzCount: d.npzCount,
        zipCount: d.zipCount,
      })),
    costs: monthlyCosts(totalBytes / GB, sessionList.length, prices),
    insights: {
      videoStats: renameStats(summarise(videoSizes, GB), 'GB'),
      npzStats: renameStats(summarise(npzSizes, MB), 'MB'),
    },
  };
}

interface Summary {
  count: number;
  min: number;
  max: number;
  avg: number;
  median: number;
}

/** min/max/avg/median in `unit`s; all 0 for no files. The median of an even count is the mean of the middle two. */
export function summarise(sizes: number[], unit: number): Summary {
  if (sizes.length === 0) return { count: 0, min: 0, max: 0, avg: 0, median: 0 };
  const sorted = [...sizes].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    count: sorted.length,
    min: sorted[0]! / unit,
    max: sorted[sorted.length - 1]! / unit,
    avg: sorted.reduce((a, b) => a + b, 0) / sorted.length / unit,
    median: median / unit,
  };
}

function renameStats<U extends 'GB' | 'MB'>(s: Summary, unit: U) {
  return {
    count: s.count,
    [`min${unit}`]: s.min,
    [`max${unit}`]: s.max,
    [`avg${unit}`]: s.avg,
    [`median${unit}`]: s.median,
  } as { count: number } & Record<`${'min' | 'max' | 'avg' | 'median'}${U}`, number>;
}

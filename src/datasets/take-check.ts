import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { DomainError } from '../domain/errors';
import { NpzFormatError, type NpzLimits } from '../quality';
import type { RecordingRecord, Store } from '../state';
import { ObjectNotFoundError, type ObjectStorage } from '../storage';
import { FPS_TOLERANCE, exclusionReason, showFps } from './eligibility';
import { TRACKING_ARRAY_NAME } from './layout';
import { NpzColumns, type NpzArray } from './npz-columns';
import type { DatasetRecord, EpisodeSchema, TrackingFeature } from './types';

export interface StepDeps {
  storage: ObjectStorage;
  store: Store;
  /** The recordings feature's records. */
  recordings: { get(recordingId: string): Promise<RecordingRecord> };
  npzLimits: NpzLimits;
  serverVersion: string;
}

type FileRecord = NonNullable<RecordingRecord['files']['video']>;

/** A take checked and read, ready to be written as the next episode (or why it cannot be one). */
export type CheckedTake =
  | { kind: 'left-out'; recordingId: string; reason: string }
  | {
      kind: 'checked';
      recordingId: string;
      record: RecordingRecord;
      frames: number;
      video: EpisodeSchema['video'];
      videoFile: FileRecord;
      /** The source MP4's ETag when it was hashed: the copy is made only while it is still that. */
      videoEtag: string;
      dataFile: FileRecord;
      columns: NpzColumns;
      arrays: NpzArray[];
      tracking: TrackingFeature[];
    };

/**
 * Everything about a take that does not depend on where it goes in the
 * dataset: its record against the dataset (verdict, decision, rate, frames,
 * files), its MP4's source hashed, its NPZ spooled and hashed and its
 * per-frame arrays listed. The builder checks the next takes this way while
 * it writes the current one. Storage or store failures throw; a take's own
 * faults are a left-out answer. The caller closes `columns` of a checked take.
 */
export async function checkTake(d: StepDeps, dataset: DatasetRecord, recordingId: string): Promise<CheckedTake> {
  const leftOut = (reason: string): CheckedTake => ({ kind: 'left-out', recordingId, reason });
  let record: RecordingRecord;
  try {
    record = await d.recordings.get(recordingId);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return leftOut('its recording record is gone');
    throw err;
  }
  const excluded = exclusionReason(record, dataset.filter);
  if (excluded) return leftOut(`${excluded} (changed since the dataset was requested)`);
  const mp4 = record.verification?.mp4;
  const npz = record.verification?.npz;
  if (!mp4?.frameCount || !mp4.fps || !mp4.width || !mp4.height) return leftOut('its verification has no video frame count, rate or size');
  if (Math.abs(mp4.fps - dataset.fps) > FPS_TOLERANCE)
    return leftOut(`video runs at ${showFps(mp4.fps)} fps, the dataset at ${showFps(dataset.fps)} fps`);
  if (npz?.frameCount !== mp4.frameCount)
    return leftOut(`video has ${mp4.frameCount} frames, tracking data ${npz?.frameCount ?? 'no'} rows`);
  const { video: videoFile, data: dataFile } = record.files;
  for (const [file, label] of [
    [videoFile, 'video'],
    [dataFile, 'tracking data'],
  ] as const) {
    if (file?.state !== 'complete') return leftOut(`the ${label} file is missing`);
    if (!file.sha256) return leftOut(`no SHA-256 was recorded for the ${label}`);
  }
  const frames = mp4.frameCount;
  // The MP4's hash and the NPZ's reading run side by side.
  const [videoOutcome, dataOutcome] = await Promise.allSettled([hashSource(d.storage, videoFile!), openData(d, dataFile!, frames)]);
  if (dataOutcome.status === 'fulfilled' && 'columns' in dataOutcome.value && videoOutcome.status !== 'fulfilled')
    await dataOutcome.value.columns.close();
  if (videoOutcome.status === 'rejected') throw videoOutcome.reason;
  if (dataOutcome.status === 'rejected') throw dataOutcome.reason;
  const data = dataOutcome.value;
  if ('reason' in data) return leftOut(data.reason);
  if ('reason' in videoOutcome.value) {
    await data.columns.close();
    return leftOut(videoOutcome.value.reason);
  }
  return {
    kind: 'checked',
    recordingId,
    record,
    frames,
    video: { width: mp4.width, height: mp4.height, codec: codecName(mp4.codec) },
    videoFile: videoFile!,
    videoEtag: videoOutcome.value.etag,
    dataFile: dataFile!,
    ...data,
  };
}

/** The source MP4 hashed, its ETag the same before and after (a replaced file is not this take's any more). */
async function hashSource(storage: ObjectStorage, file: FileRecord): Promise<{ etag: string } | { reason: string }> {
  try {
    const before = await storage.headObject(file.key);
    if (!before) return { reason: 'the video file is missing from storage' };
    const sha = await sha256Of(await storage.readObject(file.key));
    if ((await storage.headObject(file.key))?.etag !== before.etag) throw new Error(`${file.key} changed while it was read`);
    return sha === file.sha256 ? { etag: before.etag } : { reason: VIDEO_CHANGED };
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { reason: 'the video file is missing from storage' };
    throw err;
  }
}
export const VIDEO_CHANGED = "the video's SHA-256 no longer matches its record";

/** The NPZ spooled while it is hashed, its per-frame arrays listed. */
async function openData(
  d: StepDeps,
  file: FileRecord,
  frames: number,
): Promise<{ reason: string } | { columns: NpzColumns; arrays: NpzArray[]; tracking: TrackingFeature[] }> {
  const hash = createHash('sha256');
  let columns: NpzColumns;
  try {
    columns = await NpzColumns.open(hashing(await d.storage.readObject(file.key), hash), d.npzLimits);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { reason: 'the tracking data file is missing from storage' };
    if (err instanceof NpzFormatError) return { reason: `unreadable NPZ: ${err.message}` };
    throw err;
  }
  if (hash.digest('hex') !== file.sha256) {
    await columns.close();
    return { reason: "the tracking data's SHA-256 no longer matches its record" };
  }
  return { columns, ...trackingOf(columns.arrays, frames) };
}

/** The NPZ's per-frame arrays (floats and flags with one row a frame), by name, as features. */
function trackingOf(all: readonly NpzArray[], frames: number): { tracking: TrackingFeature[]; arrays: NpzArray[] } {
  const arrays = all
    .filter((a) => TRACKING_ARRAY_NAME.test(a.name) && (a.header.dtype.kind === 'float' || a.header.dtype.kind === 'bool'))
    .filter((a) => a.header.shape.length >= 1 && a.header.shape[0] === frames)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tracking = arrays.map((a) => ({ array: a.name, kind: a.header.dtype.kind as 'float' | 'bool', shape: a.header.shape.slice(1) }));
  return { tracking, arrays };
}

export function describeDifference(want: readonly TrackingFeature[], got: readonly TrackingFeature[]): string | undefined {
  const show = (t: TrackingFeature) => `${t.array} (${t.kind}${t.shape.length ? ` ${t.shape.join('x')}` : ''})`;
  const wanted = new Set(want.map(show));
  const have = new Set(got.map(show));
  const missing = [...wanted].filter((s) => !have.has(s));
  const extra = [...have].filter((s) => !wanted.has(s));
  if (missing.length === 0 && extra.length === 0) return undefined;
  return [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `extra ${extra.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}

/** LeRobot names codecs by family ('h264', 'hevc', 'av1'); the MP4's sample entry says which. */
function codecName(codec: string | undefined): string {
  const family = (codec ?? '').split('.')[0]!.toLowerCase();
  const names: Record<string, string> = { avc1: 'h264', avc3: 'h264', hvc1: 'hevc', hev1: 'hevc', av01: 'av1', vp09: 'vp9', vp08: 'vp8' };
  return names[family] ?? (family || 'unknown');
}

function hashing(source: Readable, hash: Hash): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  source.on('error', (err) => tap.destroy(err));
  return source.pipe(tap);
}

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { DomainError } from '../domain/errors';
import { NpzFormatError, type NpzLimits } from '../quality';
import type { RecordingRecord, Store } from '../state';
import { ObjectNotFoundError, type ObjectStorage } from '../storage';
import { FPS_TOLERANCE, exclusionReason, showFps } from './eligibility';
import { writeEpisodeData } from './episode-table';
import { TRACKING_ARRAY_NAME, dataKey, videoKey } from './layout';
import { NpzColumns, type NpzArray } from './npz-columns';
import type { DatasetRecord, EpisodeSchema, EpisodeSource, FeatureStats, StepResult, TrackingFeature } from './types';

export interface StepDeps {
  storage: ObjectStorage;
  store: Store;
  /** The recordings feature's records. */
  recordings: { get(recordingId: string): Promise<RecordingRecord> };
  npzLimits: NpzLimits;
  serverVersion: string;
}

/** Where the step's episode goes if the take makes one. */
export interface StepPlace {
  prefix: string;
  position: number;
  episodeIndex: number;
  fromIndex: number;
  /** The dataset's schema so far (set by its first episode). */
  schema?: EpisodeSchema;
}

/**
 * One take of a build: checked against its record and the dataset, its MP4
 * copied byte for byte and its NPZ streamed into the episode's data file, both
 * checked against the SHA-256 the record holds. A take that should not be
 * merged is left out with its reason. Idempotent: the episode's objects are
 * its own (keys by episode index), and an object a killed earlier attempt
 * stored whole is kept, not written again. Storage or store failures throw (the
 * build resumes the step later); a take's own faults are a left-out result.
 */
export async function runStep(d: StepDeps, dataset: DatasetRecord, recordingId: string, place: StepPlace): Promise<StepResult> {
  const leftOut = (reason: string): StepResult => ({ kind: 'left-out', position: place.position, recordingId, reason });
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
  const video = { width: mp4.width, height: mp4.height, codec: codecName(mp4.codec) };
  const want = place.schema?.video;
  if (want && (want.width !== video.width || want.height !== video.height || want.codec !== video.codec))
    return leftOut(`video is ${video.width}x${video.height} ${video.codec}, the dataset's ${want.width}x${want.height} ${want.codec}`);
  const files = { video: record.files.video, data: record.files.data };
  for (const [type, label] of [
    ['video', 'video'],
    ['data', 'tracking data'],
  ] as const) {
    if (files[type]?.state !== 'complete') return leftOut(`the ${label} file is missing`);
    if (!files[type].sha256) return leftOut(`no SHA-256 was recorded for the ${label}`);
  }

  const frames = mp4.frameCount;
  const vKey = videoKey(place.prefix, place.episodeIndex);
  const dKey = dataKey(place.prefix, place.episodeIndex);
  // The video's copy and the tracking data's conversion run side by side: a step takes the longer of the two.
  const [videoOutcome, dataOutcome] = await Promise.allSettled([
    copyVideo(d.storage, files.video!, vKey),
    convertData(d, files.data!, dKey, { frames, fps: dataset.fps, ...place }),
  ]);
  const failure = [dataOutcome, videoOutcome].find((o) => o.status === 'rejected');
  if (failure) throw failure.reason;
  const data = (dataOutcome as PromiseFulfilledResult<Awaited<ReturnType<typeof convertData>>>).value;
  const videoReason = (videoOutcome as PromiseFulfilledResult<string | undefined>).value;
  const reason = 'reason' in data ? data.reason : videoReason;
  if (reason) {
    // Nothing of a take left out stays in the dataset.
    await Promise.all([d.storage.deleteObject(vKey), d.storage.deleteObject(dKey)]);
    return leftOut(reason);
  }
  if ('reason' in data) throw new Error('unreachable');
  return {
    kind: 'episode',
    position: place.position,
    recordingId,
    episodeIndex: place.episodeIndex,
    frames,
    fromIndex: place.fromIndex,
    dataKey: dKey,
    videoKey: vKey,
    seconds: frames / dataset.fps,
    source: await sourceOf(d, record),
    stats: data.stats,
    ...(place.schema ? {} : { schema: { tracking: data.tracking, video } }),
  };
}

type FileRecord = NonNullable<RecordingRecord['files']['video']>;

/**
 * The MP4 copied byte for byte (storage-side) while its source is hashed; the
 * source must not change meanwhile (its ETag is read before and after). A copy
 * a killed earlier attempt stored whole is kept and hashed instead. Answers
 * why the take is left out, or undefined.
 */
async function copyVideo(storage: ObjectStorage, file: FileRecord, vKey: string): Promise<string | undefined> {
  try {
    const stored = await storage.headObject(vKey);
    if (stored?.size === file.size) return (await sha256Of(await storage.readObject(vKey))) === file.sha256 ? undefined : VIDEO_CHANGED;
    const before = await storage.headObject(file.key);
    if (!before) return 'the video file is missing from storage';
    const [, sha] = await Promise.all([storage.copyObject(file.key, vKey), storage.readObject(file.key).then(sha256Of)]);
    if ((await storage.headObject(file.key))?.etag !== before.etag) throw new Error(`${file.key} changed while it was copied`);
    return sha === file.sha256 ? undefined : VIDEO_CHANGED;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return 'the video file is missing from storage';
    throw err;
  }
}
const VIDEO_CHANGED = "the video's SHA-256 no longer matches its record";

/**
 * The NPZ read once (hashed as it is spooled), its per-frame arrays checked
 * against the dataset's and streamed into the episode's data file. A data file
 * a killed earlier attempt stored whole is kept (the rows are still read, for
 * the statistics).
 */
async function convertData(
  d: StepDeps,
  file: FileRecord,
  dKey: string,
  e: StepPlace & { frames: number; fps: number },
): Promise<{ reason: string } | { stats: Record<string, FeatureStats>; tracking: TrackingFeature[] }> {
  const hash = createHash('sha256');
  let columns: NpzColumns;
  try {
    columns = await NpzColumns.open(hashing(await d.storage.readObject(file.key), hash), d.npzLimits);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { reason: 'the tracking data file is missing from storage' };
    if (err instanceof NpzFormatError) return { reason: `unreadable NPZ: ${err.message}` };
    throw err;
  }
  try {
    if (hash.digest('hex') !== file.sha256) return { reason: "the tracking data's SHA-256 no longer matches its record" };
    const { tracking, arrays } = trackingOf(columns.arrays, e.frames);
    const differs = e.schema && describeDifference(e.schema.tracking, tracking);
    if (differs) return { reason: `tracking arrays differ from the dataset's: ${differs}` };
    const target = (await d.storage.headObject(dKey)) ? 'discard' : { storage: d.storage, key: dKey };
    const rows = { columns, arrays, tracking, frames: e.frames, fps: e.fps, episodeIndex: e.episodeIndex, fromIndex: e.fromIndex };
    return { stats: await writeEpisodeData(target, rows), tracking };
  } catch (err) {
    if (err instanceof NpzFormatError) return { reason: `unreadable NPZ: ${err.message}` };
    throw err;
  } finally {
    await columns.close();
  }
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

function describeDifference(want: readonly TrackingFeature[], got: readonly TrackingFeature[]): string | undefined {
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

async function sourceOf(d: StepDeps, r: RecordingRecord): Promise<EpisodeSource> {
  const session = r.sessionId ? await d.store.sessions.get(r.sessionId) : null;
  const operator = session?.metadata?.operator;
  // Forward-compatible with a clock estimate on the record (DESIGN.md: server time is the time base).
  const clock = (r as unknown as { clock?: unknown }).clock;
  return {
    recordingId: r.recordingId,
    deviceId: r.deviceId,
    ...(r.sessionId ? { sessionId: r.sessionId } : {}),
    ...(r.tabletId ? { tabletId: r.tabletId } : {}),
    ...(typeof operator === 'string' ? { operator: operator.slice(0, 200) } : {}),
    ...(r.appVersion ? { appVersion: r.appVersion } : {}),
    sha256: { video: r.files.video!.sha256!, data: r.files.data!.sha256! },
    sourceKeys: { video: r.files.video!.key, data: r.files.data!.key },
    verdict: r.verification!.verdict,
    qaScore: r.verification!.qaScore,
    ...(clock && typeof clock === 'object' && !Array.isArray(clock) ? { clock: clock as Record<string, unknown> } : {}),
    builtBy: d.serverVersion,
  };
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

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

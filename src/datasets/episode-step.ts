import type { RecordingRecord } from '../state';
import { ObjectNotFoundError } from '../storage';
import { writeEpisodeData } from './episode-table';
import { dataKey, videoKey } from './layout';
import { NpzFormatError } from '../quality';
import { VIDEO_CHANGED, checkTake, describeDifference, sha256Of, type CheckedTake, type StepDeps } from './take-check';
import type { DatasetRecord, EpisodeSchema, EpisodeSource, StepResult } from './types';

export type { StepDeps } from './take-check';

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
 * One take of a build, checked (checkTake) and written: its MP4 copied byte for
 * byte into the dataset and its NPZ streamed into the episode's data file, side
 * by side. A take that should not be merged is left out with its reason, and
 * nothing of it stays. Idempotent: the episode's objects are its own (keys by
 * episode index), and an object a killed earlier attempt stored whole is kept,
 * not written again. Storage or store failures throw (the build resumes the
 * step later); a take's own faults are a left-out result.
 */
export async function runStep(d: StepDeps, dataset: DatasetRecord, recordingId: string, place: StepPlace): Promise<StepResult> {
  return writeStep(d, dataset, await checkTake(d, dataset, recordingId), place);
}

/** Writes a checked take as the episode at `place` (and closes what checkTake opened). */
export async function writeStep(d: StepDeps, dataset: DatasetRecord, take: CheckedTake, place: StepPlace): Promise<StepResult> {
  const leftOut = (reason: string): StepResult => ({ kind: 'left-out', position: place.position, recordingId: take.recordingId, reason });
  if (take.kind === 'left-out') return leftOut(take.reason);
  try {
    const want = place.schema;
    if (want && (want.video.width !== take.video.width || want.video.height !== take.video.height || want.video.codec !== take.video.codec))
      return leftOut(
        `video is ${take.video.width}x${take.video.height} ${take.video.codec}, the dataset's ${want.video.width}x${want.video.height} ${want.video.codec}`,
      );
    const differs = want && describeDifference(want.tracking, take.tracking);
    if (differs) return leftOut(`tracking arrays differ from the dataset's: ${differs}`);

    const vKey = videoKey(place.prefix, place.episodeIndex);
    const dKey = dataKey(place.prefix, place.episodeIndex);
    const rows = {
      columns: take.columns,
      arrays: take.arrays,
      tracking: take.tracking,
      frames: take.frames,
      fps: dataset.fps,
      episodeIndex: place.episodeIndex,
      fromIndex: place.fromIndex,
    };
    const [videoOutcome, dataOutcome] = await Promise.allSettled([
      copyVideo(d, take, vKey),
      d.storage.headObject(dKey).then((stored) => writeEpisodeData(stored ? 'discard' : { storage: d.storage, key: dKey }, rows)),
    ]);
    let reason = videoOutcome.status === 'fulfilled' ? videoOutcome.value : undefined;
    if (dataOutcome.status === 'rejected') {
      if (!(dataOutcome.reason instanceof NpzFormatError)) throw dataOutcome.reason;
      reason = `unreadable NPZ: ${dataOutcome.reason.message}`;
    }
    if (videoOutcome.status === 'rejected') throw videoOutcome.reason;
    if (reason || dataOutcome.status === 'rejected') {
      // Nothing of a take left out stays in the dataset.
      await Promise.all([d.storage.deleteObject(vKey), d.storage.deleteObject(dKey)]);
      return leftOut(reason!);
    }
    return {
      kind: 'episode',
      position: place.position,
      recordingId: take.recordingId,
      episodeIndex: place.episodeIndex,
      frames: take.frames,
      fromIndex: place.fromIndex,
      dataKey: dKey,
      videoKey: vKey,
      seconds: take.frames / dataset.fps,
      source: await sourceOf(d, take.record),
      stats: dataOutcome.value,
      ...(place.schema ? {} : { schema: { tracking: take.tracking, video: take.video } }),
    };
  } finally {
    await take.columns.close();
  }
}

/**
 * The MP4 copied inside the storage, its source unchanged since it was hashed
 * (its ETag then, before and after the copy). A copy a killed earlier attempt
 * stored whole is kept and hashed instead. Answers why the take is left out, or undefined.
 */
async function copyVideo(d: StepDeps, take: Extract<CheckedTake, { kind: 'checked' }>, vKey: string): Promise<string | undefined> {
  try {
    const stored = await d.storage.headObject(vKey);
    if (stored?.size === take.videoFile.size)
      return (await sha256Of(await d.storage.readObject(vKey))) === take.videoFile.sha256 ? undefined : VIDEO_CHANGED;
    const unchanged = async () => (await d.storage.headObject(take.videoFile.key))?.etag === take.videoEtag;
    if (!(await unchanged())) throw new Error(`${take.videoFile.key} changed since it was hashed`);
    await d.storage.copyObject(take.videoFile.key, vKey);
    if (!(await unchanged())) throw new Error(`${take.videoFile.key} changed while it was copied`);
    return undefined;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return 'the video file is missing from storage';
    throw err;
  }
}

async function sourceOf(d: StepDeps, r: RecordingRecord): Promise<EpisodeSource> {
  const session = r.sessionId ? await d.store.sessions.get(r.sessionId) : null;
  const operator = session?.metadata?.operator;
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
    // The headset's clock as the server measured it when the take started, and how the start went (docs/CLOCK.md).
    ...(r.start?.clock ? { clock: r.start.clock } : {}),
    ...(r.start ? { start: r.start } : {}),
    builtBy: d.serverVersion,
  };
}

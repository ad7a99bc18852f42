import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config';
import type { NpzFacts, RecordingRecord, RecordingVerification } from '../state';
import type { ObjectStorage } from '../storage';
import type { NpzScore } from '../quality';
import { probeMp4, type Mp4Probe } from './mp4-probe';

/**
 * The integrity gate for one recording whose two files have arrived: each
 * file's SHA-256 read back once through storage (against the client's, when
 * it gave one), the MP4's moov parsed with range reads, the NPZ read and
 * scored as QA does, then the cross-checks. Every failed check adds a reason
 * written for the operator who must decide whether to re-record.
 */

export interface VerifierDeps {
  storage: ObjectStorage;
  thresholds: Config['recordings'];
  /** Scores an NPZ from a stream opener (the QA code's analyseNpz, with QA's limits). */
  analyseNpz: (open: () => Promise<Readable>) => Promise<{ score: NpzScore; cacheable: boolean }>;
}

/** A storage failure: the recording is not judged, the verification is retried later. */
export class VerificationDeferred extends Error {}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export interface VerificationResult {
  verification: RecordingVerification;
  /** Each file's SHA-256 as read back from storage. */
  sha256: { video: string; data: string };
}

export async function verifyRecording(record: RecordingRecord, deps: VerifierDeps): Promise<VerificationResult> {
  const started = Date.now();
  const { video, data } = record.files;
  if (!video || !data) throw new Error('verifyRecording needs both files');
  const reasons: string[] = [];
  const checks: Record<string, boolean> = {};
  const t = deps.thresholds;

  // Video: hash (one full read) and moov (a few range reads).
  const videoSha = await sha256Of(() => deps.storage.readObject(video.key));
  const videoHead = await deps.storage.headObject(video.key);
  if (!videoHead) throw new VerificationDeferred('the video is no longer in storage');
  checks.videoSha256 = !video.clientSha256 || video.clientSha256 === videoSha;
  if (!checks.videoSha256) reasons.push("the video's SHA-256 differs from the one the headset sent: the file was damaged on the way");
  const mp4 = await probeMp4((start, length) => deps.storage.readRange(video.key, start, length), videoHead.size).catch((err: unknown) => {
    throw new VerificationDeferred(`could not read the video: ${(err as Error).message}`);
  });
  checks.videoPlayable = mp4.playable;
  reasons.push(...mp4.problems);
  if (!mp4.playable && mp4.problems.length === 0) reasons.push('the video has no video track with frames');

  // Tracking data: hashed as QA reads it, so the file is read once.
  const hasher = createHash('sha256');
  let hashedBytes = 0;
  const { score, cacheable } = await deps.analyseNpz(async () => {
    const source = await deps.storage.readObject(data.key);
    const tap = new PassThrough();
    tap.on('data', (chunk: Buffer) => {
      hasher.update(chunk);
      hashedBytes += chunk.length;
    });
    source.on('error', (err) => tap.destroy(err));
    return source.pipe(tap);
  });
  if (!cacheable) throw new VerificationDeferred('could not read the tracking data from storage');
  const dataSha = hashedBytes === data.size ? hasher.digest('hex') : await sha256Of(() => deps.storage.readObject(data.key)); // QA stopped early (a refused file)
  checks.dataSha256 = !data.clientSha256 || data.clientSha256 === dataSha;
  if (!checks.dataSha256)
    reasons.push("the tracking data's SHA-256 differs from the one the headset sent: the file was damaged on the way");
  const npz = npzFacts(score);
  checks.npzReadable = npz.readable;
  if (!npz.readable) reasons.push(...score.issues.map((i) => `tracking data: ${i}`));

  crossCheck(mp4, npz, t, checks, reasons);

  const qaScore = npz.readable ? score.overallQualityScore : null;
  checks.qaScore = qaScore !== null && qaScore >= t.qaPassScore;
  if (qaScore !== null && !checks.qaScore) {
    reasons.push(`QA score ${fmt(qaScore, 1)} is below the pass score of ${fmt(t.qaPassScore)}`);
    reasons.push(...qaCauses(score));
  }
  const verdict = Object.values(checks).every(Boolean) ? 'pass' : 'fail';
  const { problems: _problems, ...mp4Facts } = mp4;
  return {
    verification: {
      verdict,
      reasons: verdict === 'pass' ? [] : [...new Set(reasons)],
      qaScore: qaScore === null ? null : Math.round(qaScore * 100) / 100,
      checks,
      mp4: mp4Facts,
      npz,
      verifiedAt: new Date(),
      durationMs: Date.now() - started,
    },
    sha256: { video: videoSha, data: dataSha },
  };
}

function crossCheck(mp4: Mp4Probe, npz: NpzFacts, t: Config['recordings'], checks: Record<string, boolean>, reasons: string[]): void {
  if (!mp4.playable || !npz.readable) return;
  const videoFrames = mp4.frameCount ?? 0;
  const within = (a: number, b: number) => Math.abs(a - b) <= (t.frameTolerancePercent / 100) * Math.max(b, 1);
  if (npz.frameCount !== undefined) {
    checks.framesMatchTracking = within(videoFrames, npz.frameCount);
    if (!checks.framesMatchTracking) reasons.push(`video has ${fmt(videoFrames)} frames, tracking data ${fmt(npz.frameCount)}`);
  }
  if (npz.metadataTotalFrames !== undefined) {
    checks.framesMatchMetadata = within(videoFrames, npz.metadataTotalFrames);
    if (!checks.framesMatchMetadata)
      reasons.push(`video has ${fmt(videoFrames)} frames, the tracking metadata says ${fmt(npz.metadataTotalFrames)} (total_frames)`);
  }
  if (npz.durationSeconds !== undefined && mp4.durationSeconds !== undefined) {
    checks.durationsAgree = Math.abs(mp4.durationSeconds - npz.durationSeconds) <= t.durationToleranceSeconds;
    if (!checks.durationsAgree)
      reasons.push(`video lasts ${fmt(mp4.durationSeconds, 2)} s, tracking data ${fmt(npz.durationSeconds, 2)} s`);
  }
  if (mp4.fps && mp4.durationSeconds) {
    const effective = videoFrames / mp4.durationSeconds;
    checks.frameRate = effective >= t.minFpsRatio * mp4.fps;
    if (!checks.frameRate)
      reasons.push(`video plays at ${fmt(effective, 1)} frames per second against its nominal ${fmt(mp4.fps, 1)}: frames were dropped`);
  }
}

/** What pulled a QA score down, in the operator's words. */
function qaCauses(score: NpzScore): string[] {
  const capture = score.stages.stage2_captureQuality;
  const tracking = score.stages.stage12_trackingConfidence;
  const causes: string[] = [];
  if (capture.bothHandsNotInFramePercent >= 5)
    causes.push(`both hands out of frame ${fmt(capture.bothHandsNotInFramePercent)} % of the time`);
  if (capture.trackingErrorsPercent >= 5) causes.push(`tracking errors in ${fmt(capture.trackingErrorsPercent)} % of frames`);
  if (capture.handSpeedExceededPercent >= 5) causes.push(`hands moved too fast in ${fmt(capture.handSpeedExceededPercent)} % of frames`);
  if (tracking.lowConfidenceFramesPercent >= 10)
    causes.push(`low tracking confidence in ${fmt(tracking.lowConfidenceFramesPercent)} % of frames`);
  causes.push(...score.issues.map((i) => `tracking data: ${i}`));
  return causes;
}

function npzFacts(score: NpzScore): NpzFacts {
  const valid = score.stages.stage10_validationTests;
  if (!valid.npzIntegrityCheck) return { readable: false };
  return {
    readable: true,
    frameCount: score.stages.stage2_captureQuality.totalFrames,
    ...(score.metadata?.totalFrames !== undefined ? { metadataTotalFrames: score.metadata.totalFrames } : {}),
    ...(score.metadata?.durationSeconds !== undefined ? { durationSeconds: score.metadata.durationSeconds } : {}),
    ...(score.metadata?.appVersion !== undefined ? { appVersion: score.metadata.appVersion } : {}),
    qaScore: score.overallQualityScore,
    stages: {
      captureQuality: score.stages.stage2_captureQuality.score,
      validation: valid.score,
      trackingConfidence: score.stages.stage12_trackingConfidence.score,
    },
    bothHandsNotInFramePercent: score.stages.stage2_captureQuality.bothHandsNotInFramePercent,
  };
}

/** Streams the object through SHA-256; storage failures defer the verification. */
export async function sha256Of(open: () => Promise<Readable>): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(await open(), hash);
  } catch (err) {
    throw new VerificationDeferred(`could not read a file back from storage: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

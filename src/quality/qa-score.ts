import type { NpyArray } from './npy-decode';
import { checkTimestamps, decodeMetadata, type SessionMetadata } from './metadata';

/**
 * The spec's QA stages for one session_data.npz, as pure arithmetic over the
 * decoded arrays. scripts/parse_npz.py computes the same numbers the same way
 * (means in double precision); test/quality fixtures hold both to 1e-6.
 * docs/QUALITY.md states every definition the spec leaves open.
 */

const FRAME_ARRAYS = {
  left_confidence: 'float',
  right_confidence: 'float',
  left_tracked: 'bool',
  right_tracked: 'bool',
  both_hands_not_in_frame: 'bool',
  hand_speed_exceeded: 'bool',
  tracking_errors: 'bool',
} as const;
export const NPZ_ARRAY_NAMES = [...Object.keys(FRAME_ARRAYS), 'metadata'] as const;

export interface CaptureQualityStage {
  totalFrames: number;
  bothHandsNotInFramePercent: number;
  trackingErrorsPercent: number;
  handSpeedExceededPercent: number;
  validFramesPercent: number;
  score: number;
}

export interface ValidationStage {
  npzIntegrityCheck: boolean;
  frameCountCheck: boolean;
  timestampConsistency: boolean;
  score: number;
}

export interface TrackingConfidenceStage {
  leftHandAvgConfidence: number;
  rightHandAvgConfidence: number;
  overallAvgConfidence: number;
  lowConfidenceFramesPercent: number;
  score: number;
}

/** What one NPZ file scores, independent of where it is stored. */
export interface NpzScore {
  /** capture_date from the metadata when it is valid ISO 8601. */
  captureDate?: string;
  stages: {
    stage2_captureQuality: CaptureQualityStage;
    stage10_validationTests: ValidationStage;
    stage12_trackingConfidence: TrackingConfidenceStage;
  };
  overallQualityScore: number;
  /** Why checks failed, in words for operators (beyond the spec). */
  issues: string[];
  /** What the metadata says, where it says it with the right type (the recordings' cross-checks read these). */
  metadata?: { totalFrames?: number; durationSeconds?: number; appVersion?: string };
}

export interface ScoreOptions {
  /** Frames whose mean of left and right confidence is below this count as low confidence. */
  lowConfidence: number;
  now: Date;
}

/** Scores decoded arrays; `unreadable` explains why there are none (missing or corrupt file). */
export function scoreNpz(input: Map<string, NpyArray> | { unreadable: string }, options: ScoreOptions): NpzScore {
  const issues: string[] = [];
  const arrays = input instanceof Map ? input : undefined;
  if (!arrays) issues.push((input as { unreadable: string }).unreadable);

  const metadata = arrays ? decodeMetadata(arrays.get('metadata'), issues) : undefined;
  const frames = arrays ? checkFrameArrays(arrays, issues) : undefined;
  const integrity = frames !== undefined && metadata !== undefined;
  const n = frames?.length ?? 0;

  const frameCount = integrity && metadata.value?.total_frames === n;
  if (integrity && metadata.value && !frameCount) {
    issues.push(`metadata total_frames is ${String(metadata.value.total_frames)} but the arrays hold ${n} frames`);
  }
  const timestamps = metadata?.value ? checkTimestamps(metadata.value, options.now, issues) : false;

  const validation = round2((integrity ? 33.33 : 0) + (frameCount ? 33.33 : 0) + (timestamps ? 33.34 : 0));
  const capture = integrity && frames ? captureQuality(frames) : zeroCapture();
  const tracking = integrity && frames ? trackingConfidence(frames, options.lowConfidence) : zeroTracking();

  return {
    captureDate: metadata?.value ? validCaptureDate(metadata.value) : undefined,
    stages: {
      stage2_captureQuality: capture,
      stage10_validationTests: {
        npzIntegrityCheck: integrity,
        frameCountCheck: frameCount,
        timestampConsistency: timestamps,
        score: validation,
      },
      stage12_trackingConfidence: tracking,
    },
    overallQualityScore: capture.score * 0.4 + validation * 0.3 + tracking.score * 0.3,
    issues,
    ...(metadata?.value ? { metadata: metadataFacts(metadata.value) } : {}),
  };
}

interface FrameArrays {
  length: number;
  left: Float32Array | Float64Array;
  right: Float32Array | Float64Array;
  both: Uint8Array;
  speed: Uint8Array;
  errors: Uint8Array;
}

/** The integrity check for the seven per-frame arrays: present, 1-D, right dtype, equal length. */
function checkFrameArrays(arrays: Map<string, NpyArray>, issues: string[]): FrameArrays | undefined {
  const lengths = new Set<number>();
  let ok = true;
  for (const [name, kind] of Object.entries(FRAME_ARRAYS)) {
    const array = arrays.get(name);
    if (!array) {
      issues.push(`array ${name} is missing`);
      ok = false;
    } else if (array.shape.length !== 1) {
      issues.push(`array ${name} has shape (${array.shape.join(', ')}), expected one dimension`);
      ok = false;
    } else if (array.kind !== kind) {
      issues.push(`array ${name} has dtype ${array.descr}, expected ${kind === 'float' ? 'float32 or float64' : 'bool'}`);
      ok = false;
    } else {
      lengths.add(array.shape[0]!);
    }
  }
  if (ok && lengths.size > 1) {
    issues.push(`per-frame arrays have different lengths (${[...lengths].join(', ')})`);
    ok = false;
  }
  if (!ok) return undefined;
  const data = (name: string) => arrays.get(name)!.data;
  return {
    length: [...lengths][0] ?? 0,
    left: data('left_confidence') as Float32Array | Float64Array,
    right: data('right_confidence') as Float32Array | Float64Array,
    both: data('both_hands_not_in_frame') as Uint8Array,
    speed: data('hand_speed_exceeded') as Uint8Array,
    errors: data('tracking_errors') as Uint8Array,
  };
}

function captureQuality(f: FrameArrays): CaptureQualityStage {
  let both = 0;
  let speed = 0;
  let errors = 0;
  let valid = 0;
  for (let i = 0; i < f.length; i++) {
    both += f.both[i]!;
    speed += f.speed[i]!;
    errors += f.errors[i]!;
    if (!f.both[i] && !f.speed[i] && !f.errors[i]) valid++;
  }
  const bothPct = percent(both, f.length);
  const errorsPct = percent(errors, f.length);
  const speedPct = percent(speed, f.length);
  return {
    totalFrames: f.length,
    bothHandsNotInFramePercent: bothPct,
    trackingErrorsPercent: errorsPct,
    handSpeedExceededPercent: speedPct,
    validFramesPercent: percent(valid, f.length),
    score: clampScore(100 - bothPct - errorsPct - speedPct),
  };
}

function trackingConfidence(f: FrameArrays, lowConfidence: number): TrackingConfidenceStage {
  let left = 0;
  let right = 0;
  let low = 0;
  for (let i = 0; i < f.length; i++) {
    const l = finiteOrZero(f.left[i]!);
    const r = finiteOrZero(f.right[i]!);
    left += l;
    right += r;
    if ((l + r) / 2 < lowConfidence) low++;
  }
  const leftAvg = f.length === 0 ? 0 : left / f.length;
  const rightAvg = f.length === 0 ? 0 : right / f.length;
  const overall = (leftAvg + rightAvg) / 2;
  return {
    leftHandAvgConfidence: leftAvg,
    rightHandAvgConfidence: rightAvg,
    overallAvgConfidence: overall,
    lowConfidenceFramesPercent: percent(low, f.length),
    score: clampScore(overall * 100),
  };
}

function zeroCapture(): CaptureQualityStage {
  return {
    totalFrames: 0,
    bothHandsNotInFramePercent: 0,
    trackingErrorsPercent: 0,
    handSpeedExceededPercent: 0,
    validFramesPercent: 0,
    score: 0,
  };
}

function zeroTracking(): TrackingConfidenceStage {
  return { leftHandAvgConfidence: 0, rightHandAvgConfidence: 0, overallAvgConfidence: 0, lowConfidenceFramesPercent: 0, score: 0 };
}

function metadataFacts(m: SessionMetadata): NonNullable<NpzScore['metadata']> {
  const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const totalFrames = finite(m.total_frames);
  const durationSeconds = finite(m.duration_seconds);
  const appVersion = typeof m.app_version === 'string' ? m.app_version.slice(0, 64) : undefined;
  return {
    ...(totalFrames !== undefined ? { totalFrames } : {}),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(appVersion !== undefined ? { appVersion } : {}),
  };
}

function validCaptureDate(m: SessionMetadata): string | undefined {
  return typeof m.capture_date === 'string' && m.captureDateMs !== undefined ? m.capture_date : undefined;
}

const percent = (count: number, n: number) => (n === 0 ? 0 : (100 * count) / n);
const clampScore = (score: number) => Math.min(100, Math.max(0, score));
const finiteOrZero = (x: number) => (Number.isFinite(x) ? x : 0);
/** 33.33 + 33.33 + 33.34 in binary floating point is 99.99999999999999; the spec means 100. */
const round2 = (x: number) => Math.round(x * 100) / 100;

import yazl from 'yazl';
import { clamp, Random } from './random';

/**
 * A recording's tracking arrays in the real format: an NPZ (a zip of `.npy`
 * files, stored uncompressed, as numpy.savez writes it) with the arrays the
 * server's QA reader scores (docs/QUALITY.md):
 * float32 left/right_confidence, bool left/right_tracked,
 * both_hands_not_in_frame, hand_speed_exceeded, tracking_errors (one value
 * per frame), and `metadata`: one fixed-width bytes element (dtype S) of JSON.
 */

export interface NpzOptions {
  frames: number;
  durationSeconds: number;
  captureDate: Date;
  deviceId: string;
  appVersion: string;
  /** Mean hand-tracking confidence, 0-1 (the data wobbles around it). */
  confidence?: number;
  /** Share of frames flagged as a problem (hands out of frame, too fast, tracking error), each. */
  problemRate?: number;
  seed?: number;
}

/** NEP 1 version 1.0: magic, version, little-endian header length, the header padded so data starts on 64 bytes. */
export function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = 10 + dict.length + 1;
  const padded = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, 'latin1')]);
}

export function float32Npy(values: Float32Array): Buffer {
  const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return Buffer.concat([npyHeader('<f4', [values.length]), data]);
}

export function boolNpy(values: Uint8Array): Buffer {
  return Buffer.concat([npyHeader('|b1', [values.length]), Buffer.from(values)]);
}

/** numpy's `np.array([json_bytes])`: dtype S{n}, shape (1,). */
export function bytesNpy(value: Buffer): Buffer {
  return Buffer.concat([npyHeader(`|S${value.length}`, [1]), value]);
}

export interface TrackingArrays {
  left_confidence: Float32Array;
  right_confidence: Float32Array;
  left_tracked: Uint8Array;
  right_tracked: Uint8Array;
  both_hands_not_in_frame: Uint8Array;
  hand_speed_exceeded: Uint8Array;
  tracking_errors: Uint8Array;
}

/** Plausible per-frame tracking: confidences drift smoothly; problems come in short runs. */
export function trackingArrays(frames: number, confidence: number, problemRate: number, random: Random): TrackingArrays {
  const arrays: TrackingArrays = {
    left_confidence: new Float32Array(frames),
    right_confidence: new Float32Array(frames),
    left_tracked: new Uint8Array(frames),
    right_tracked: new Uint8Array(frames),
    both_hands_not_in_frame: new Uint8Array(frames),
    hand_speed_exceeded: new Uint8Array(frames),
    tracking_errors: new Uint8Array(frames),
  };
  let left = confidence;
  let right = confidence;
  // Runs average 5 frames, so a run starts with probability problemRate / 5.
  const run = { out: 0, fast: 0, error: 0 };
  for (let i = 0; i < frames; i++) {
    left = clamp(left + random.between(-0.03, 0.03) + (confidence - left) * 0.05, 0, 1);
    right = clamp(right + random.between(-0.03, 0.03) + (confidence - right) * 0.05, 0, 1);
    for (const k of ['out', 'fast', 'error'] as const) {
      if (run[k] > 0) run[k]--;
      else if (random.chance(problemRate / 5)) run[k] = 1 + Math.floor(random.between(0, 9));
    }
    const out = run.out > 0;
    arrays.both_hands_not_in_frame[i] = out ? 1 : 0;
    arrays.hand_speed_exceeded[i] = run.fast > 0 ? 1 : 0;
    arrays.tracking_errors[i] = run.error > 0 ? 1 : 0;
    arrays.left_tracked[i] = out || run.error > 0 ? 0 : 1;
    arrays.right_tracked[i] = out ? 0 : 1;
    arrays.left_confidence[i] = out ? 0 : left;
    arrays.right_confidence[i] = out ? 0 : right;
  }
  return arrays;
}

/** Builds the whole NPZ in memory: a capture's arrays are small (13 bytes a frame; an hour at 30 fps is 1.4 MB). */
export async function buildNpz(options: NpzOptions): Promise<Buffer> {
  const random = new Random(options.seed);
  const arrays = trackingArrays(options.frames, options.confidence ?? 0.88, options.problemRate ?? 0.01, random);
  const metadata = {
    capture_date: options.captureDate.toISOString(),
    total_frames: options.frames,
    duration_seconds: options.durationSeconds,
    device_id: options.deviceId,
    app_version: options.appVersion,
    success: true,
  };
  const zip = new yazl.ZipFile();
  const entries: Array<[string, Buffer]> = [
    ['left_confidence', float32Npy(arrays.left_confidence)],
    ['right_confidence', float32Npy(arrays.right_confidence)],
    ['left_tracked', boolNpy(arrays.left_tracked)],
    ['right_tracked', boolNpy(arrays.right_tracked)],
    ['both_hands_not_in_frame', boolNpy(arrays.both_hands_not_in_frame)],
    ['hand_speed_exceeded', boolNpy(arrays.hand_speed_exceeded)],
    ['tracking_errors', boolNpy(arrays.tracking_errors)],
    ['metadata', bytesNpy(Buffer.from(JSON.stringify(metadata), 'utf8'))],
  ];
  for (const [name, npy] of entries) zip.addBuffer(npy, `${name}.npy`, { compress: false, mtime: options.captureDate });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

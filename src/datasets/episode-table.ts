import type { SchemaElement } from 'hyparquet-writer';
import { NpzFormatError } from '../quality';
import type { NpzArray, NpzColumns } from './npz-columns';
import { trackingFeatureName } from './layout';
import { writeParquet, type ParquetColumns } from './parquet-object';
import { addBatch, emptyStats } from './stats';
import type { FeatureStats, TrackingFeature } from './types';
import type { ObjectStorage } from '../storage';

/** LeRobot's own per-frame columns, after the tracking features. */
export const FRAME_COLUMNS = ['timestamp', 'frame_index', 'episode_index', 'index', 'task_index'] as const;
/** Decoded bytes a row group may take; bounds memory per take whatever its length. */
const ROW_GROUP_BYTES = 4 * 1024 * 1024;

export const elementsOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A column's schema: a leaf, or nested LISTs (3-level, as Arrow writes them) for per-frame vectors and matrices. */
function columnSchema(name: string, type: 'FLOAT' | 'BOOLEAN', shape: readonly number[]): SchemaElement[] {
  if (shape.length === 0) return [{ name, type, repetition_type: 'REQUIRED' }];
  return [
    { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    ...columnSchema('element', type, shape.slice(1)),
  ];
}

/** The data files' schema: one column per tracking feature, then LeRobot's columns. */
export function dataSchema(tracking: readonly TrackingFeature[]): SchemaElement[] {
  return [
    { name: 'schema', num_children: tracking.length + FRAME_COLUMNS.length },
    ...tracking.flatMap((t) => columnSchema(trackingFeatureName(t.array), t.kind === 'float' ? 'FLOAT' : 'BOOLEAN', t.shape)),
    { name: 'timestamp', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ...FRAME_COLUMNS.slice(1).map((name): SchemaElement => ({ name, type: 'INT64', repetition_type: 'REQUIRED' })),
  ];
}

export interface EpisodeRows {
  columns: NpzColumns;
  /** The NPZ arrays of the tracking features, in the same order. */
  arrays: readonly NpzArray[];
  tracking: readonly TrackingFeature[];
  frames: number;
  fps: number;
  episodeIndex: number;
  fromIndex: number;
}

/**
 * Streams one take's per-frame arrays into its data file, a row group at a
 * time, and answers each feature's statistics over the episode.
 */
export async function writeEpisodeData(target: { storage: ObjectStorage; key: string } | 'discard', e: EpisodeRows) {
  const stats: Record<string, FeatureStats> = {};
  for (const t of e.tracking) stats[trackingFeatureName(t.array)] = emptyStats(elementsOf(t.shape));
  for (const name of FRAME_COLUMNS) stats[name] = emptyStats(1);
  const rowBytes = e.tracking.reduce((sum, t) => sum + elementsOf(t.shape) * (t.kind === 'float' ? 4 : 1), 0) + 36;
  const batch = Math.max(256, Math.min(65_536, Math.floor(ROW_GROUP_BYTES / rowBytes)));

  await writeParquet(target, dataSchema(e.tracking), async (write) => {
    for await (const { start, count, bytes } of e.columns.rowBatches(e.arrays, e.frames, batch)) {
      const columnData: ParquetColumns = [];
      for (const [i, t] of e.tracking.entries()) {
        const name = trackingFeatureName(t.array);
        const elements = elementsOf(t.shape);
        const values = t.kind === 'float' ? float32Of(bytes[i]!, e.arrays[i]!) : boolsOf(bytes[i]!, t.array);
        addBatch(stats[name]!, values, count, elements);
        columnData.push({
          name,
          data: t.shape.length === 0 ? (t.kind === 'float' ? values : Array.from(values, (v) => v === 1)) : nested(values, count, t),
        });
      }
      const timestamp = new Float32Array(count);
      const frameIndex = new BigInt64Array(count);
      const index = new BigInt64Array(count);
      for (let r = 0; r < count; r++) {
        timestamp[r] = (start + r) / e.fps;
        frameIndex[r] = BigInt(start + r);
        index[r] = BigInt(e.fromIndex + start + r);
      }
      addBatch(stats.timestamp!, timestamp, count, 1);
      addBatch(stats.frame_index!, Array.from(frameIndex, Number), count, 1);
      addBatch(stats.episode_index!, new Array<number>(count).fill(e.episodeIndex), count, 1);
      addBatch(stats.index!, Array.from(index, Number), count, 1);
      addBatch(stats.task_index!, new Array<number>(count).fill(0), count, 1);
      columnData.push(
        { name: 'timestamp', data: timestamp },
        { name: 'frame_index', data: frameIndex },
        { name: 'episode_index', data: new BigInt64Array(count).fill(BigInt(e.episodeIndex)) },
        { name: 'index', data: index },
        { name: 'task_index', data: new BigInt64Array(count) },
      );
      await write(columnData, count);
    }
  });
  return stats;
}

/** Raw rows of an f4 or f8 array as float32 (the dataset's dtype for every float feature). */
function float32Of(bytes: Buffer, array: NpzArray): Float32Array {
  const { itemSize, littleEndian } = array.header.dtype;
  const count = bytes.length / itemSize;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (itemSize === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
  return out;
}

function boolsOf(bytes: Buffer, name: string): Uint8Array {
  for (const b of bytes) if (b > 1) throw new NpzFormatError(`${name}.npy: a bool holds a value other than 0 or 1`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Rows of a per-frame vector or matrix as nested arrays (the LIST columns' values). */
function nested(values: ArrayLike<number>, rows: number, t: TrackingFeature): unknown[] {
  const elements = elementsOf(t.shape);
  const cast = (v: number) => (t.kind === 'bool' ? v === 1 : v);
  const build = (offset: number, shape: readonly number[]): unknown[] => {
    if (shape.length === 1) return Array.from({ length: shape[0]! }, (_, i) => cast(values[offset + i]!));
    const inner = elementsOf(shape.slice(1));
    return Array.from({ length: shape[0]! }, (_, i) => build(offset + i * inner, shape.slice(1)));
  };
  return Array.from({ length: rows }, (_, r) => build(r * elements, t.shape));
}

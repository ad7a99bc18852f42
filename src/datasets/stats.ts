import type { FeatureStats } from './types';

/**
 * Per-element statistics of a feature, updated a batch at a time and merged
 * across episodes with Chan et al.'s parallel formula, so neither a take nor
 * the dataset is ever held to compute them: meta/stats.json's min, max, mean,
 * std and count (LeRobot's normalisation reads them).
 */
export function emptyStats(elements: number): FeatureStats {
  return {
    count: 0,
    min: new Array<number>(elements).fill(Infinity),
    max: new Array<number>(elements).fill(-Infinity),
    mean: new Array<number>(elements).fill(0),
    m2: new Array<number>(elements).fill(0),
  };
}

/** Adds `rows` rows of `elements` values each (row-major) to `stats`. */
export function addBatch(stats: FeatureStats, values: ArrayLike<number>, rows: number, elements: number): void {
  if (rows === 0) return;
  for (let e = 0; e < elements; e++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let r = 0; r < rows; r++) {
      const v = values[r * elements + e]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / rows;
    let m2 = 0;
    for (let r = 0; r < rows; r++) {
      const d = values[r * elements + e]! - mean;
      m2 += d * d;
    }
    combineElement(stats, e, { count: rows, min, max, mean, m2 });
  }
  stats.count += rows;
}

/** `into` grows by `other` (another episode's statistics). */
export function mergeStats(into: FeatureStats, other: FeatureStats): void {
  if (other.count === 0) return;
  for (let e = 0; e < into.mean.length; e++) {
    combineElement(into, e, { count: other.count, min: other.min[e]!, max: other.max[e]!, mean: other.mean[e]!, m2: other.m2[e]! });
  }
  into.count += other.count;
}

/** Chan's update of element `e` (before `stats.count` moves on). */
function combineElement(stats: FeatureStats, e: number, b: { count: number; min: number; max: number; mean: number; m2: number }): void {
  const n = stats.count;
  const total = n + b.count;
  const delta = b.mean - stats.mean[e]!;
  stats.mean[e] = stats.mean[e]! + (delta * b.count) / total;
  stats.m2[e] = stats.m2[e]! + b.m2 + (delta * delta * n * b.count) / total;
  stats.min[e] = Math.min(stats.min[e]!, b.min);
  stats.max[e] = Math.max(stats.max[e]!, b.max);
}

/** LeRobot's form: arrays shaped like the feature (population std), count as a one-element array. */
export function statsJson(stats: FeatureStats, shape: readonly number[]) {
  const std = stats.m2.map((m2) => (stats.count > 0 ? Math.sqrt(m2 / stats.count) : 0));
  const fix = (values: number[]) =>
    reshape(
      values.map((v) => (Number.isFinite(v) ? v : 0)),
      shape,
    );
  return { min: fix(stats.min), max: fix(stats.max), mean: fix(stats.mean), std: fix(std), count: [stats.count] };
}

/** Flat values in the feature's shape; a one-value feature is a one-element array. */
function reshape(values: number[], shape: readonly number[]): unknown[] {
  if (shape.length <= 1) return values;
  const [, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < values.length; i += size) out.push(reshape(values.slice(i, i + size), rest));
  return out;
}

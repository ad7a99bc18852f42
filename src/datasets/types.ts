import type { ClockEstimate, RecordingStart } from '../domain/clock';
import type { Actor } from '../domain/actor';
import type { RecordingDecision, RecordingVerdict } from '../domain/recordings';

/**
 * A dataset build is a job (DESIGN.md, Round 3 "Jobs"): a record with its
 * state and progress, the selection it was asked for (frozen when it was
 * requested), and one result per selected take, written once each.
 */
export const DATASET_STATES = ['queued', 'building', 'ready', 'failed'] as const;
export type DatasetState = (typeof DATASET_STATES)[number];
export const DATASET_FORMATS = ['lerobot-v3'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Which takes a dataset is built from. */
export interface DatasetFilter {
  sessionIds?: string[];
  deviceIds?: string[];
  /** Every tag named must be on the take with this value. */
  tags?: Record<string, string>;
  /** createdAt bounds (inclusive). */
  from?: Date;
  to?: Date;
  verdict: RecordingVerdict;
  /** Unset: any take not discarded. 'none': takes nobody decided on. */
  decision?: RecordingDecision | 'none';
}

/** A per-frame array of the NPZ as a dataset feature: float32 (from f4 or f8) or bool, with its per-frame shape. */
export interface TrackingFeature {
  /** The array's name in the NPZ; the feature is `tracking.{array}`. */
  array: string;
  kind: 'float' | 'bool';
  /** Per-frame shape: [] for one value a frame, [k] for k values, and so on. */
  shape: number[];
}

/** What every episode of a dataset shares, fixed by its first episode. */
export interface EpisodeSchema {
  tracking: TrackingFeature[];
  video: { width: number; height: number; codec: string };
}

/** Running statistics of one feature: per element, over every frame so far (Chan et al.'s parallel update). */
export interface FeatureStats {
  count: number;
  min: number[];
  max: number[];
  mean: number[];
  /** Sum of squared differences from the mean. */
  m2: number[];
}

export interface DatasetRecord {
  datasetId: string;
  name: string;
  version: number;
  description?: string;
  format: DatasetFormat;
  /** The task every episode is labelled with (meta/tasks.parquet). */
  task: string;
  /** The frame rate every episode has: the request's, or the most common among the selected takes. */
  fps: number;
  filter: DatasetFilter;
  state: DatasetState;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  createdBy: Actor;
  /** Takes selected (the job's steps). */
  total: number;
  /** Steps done: takes made episodes or left out. */
  done: number;
  episodes: number;
  frames: number;
  schema?: EpisodeSchema;
  /** Why the build failed (state failed). */
  error?: string;
  /** Build runs that ended in an error in a row; the build fails after MAX_BUILD_FAILURES. */
  failures: number;
  /** Set by DELETE: the build stops and the objects go. */
  deleting?: boolean;
  serverVersion: string;
}

/** Where and what an episode's source take was: provenance.json's entry and the API's. */
export interface EpisodeSource {
  recordingId: string;
  deviceId: string;
  sessionId?: string;
  tabletId?: string;
  /** The capture session's metadata `operator`, when the tablet gave one. */
  operator?: string;
  appVersion?: string;
  sha256: { video: string; data: string };
  sourceKeys: { video: string; data: string };
  verdict: RecordingVerdict;
  qaScore: number | null;
  /** The headset's clock estimate used for the take's start, when the headset is measured (docs/CLOCK.md). */
  clock?: ClockEstimate;
  /** When the take really started, in server time, with its plan and error. */
  start?: RecordingStart;
  /** The server version that built the episode. */
  builtBy: string;
}

/** What one step (one selected take) came to. Written once; a resumed build reads it back. */
export type StepResult =
  | {
      kind: 'episode';
      position: number;
      recordingId: string;
      episodeIndex: number;
      frames: number;
      /** The first frame's dataset-wide index. */
      fromIndex: number;
      dataKey: string;
      videoKey: string;
      /** The video's duration as the dataset reads it (frames / fps). */
      seconds: number;
      source: EpisodeSource;
      stats: Record<string, FeatureStats>;
      /** The first episode fixes the dataset's schema. */
      schema?: EpisodeSchema;
    }
  | { kind: 'left-out'; position: number; recordingId: string; reason: string };

/** A take the filter matched but the selection left out when the dataset was requested. */
export interface ExcludedTake {
  recordingId: string;
  reason: string;
}

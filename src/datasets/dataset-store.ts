import type { DatasetRecord, ExcludedTake, StepResult } from './types';

/**
 * The datasets' own state (docs/ARCHITECTURE.md, "A feature's own state"):
 * memory-dataset-store.ts and redis-dataset-store.ts, one contract test
 * (test/datasets/dataset-store.contract.ts).
 */
export interface DatasetStore {
  /** The next version of a dataset name: 1, 2, ... never reused, even after a delete. */
  nextVersion(name: string): Promise<number>;
  /** Saves a new dataset with its frozen selection (takes in build order) and what the selection left out. */
  create(record: DatasetRecord, takes: readonly string[], excluded: readonly ExcludedTake[]): Promise<void>;
  get(datasetId: string): Promise<DatasetRecord | null>;
  /** Every dataset, newest first (the store keeps at most MAX_DATASETS). */
  list(): Promise<DatasetRecord[]>;
  count(): Promise<number>;
  /**
   * Reads the record, lets `change` compute the next one (null: no change), and
   * writes it only if nobody wrote in between (else retries). Resolves with what
   * `change` returned beside the record.
   */
  update<T>(datasetId: string, change: (current: DatasetRecord | null) => { next: DatasetRecord | null; result: T }): Promise<T>;
  /** Takes of the selection from `start`, at most `count`, in build order. */
  takes(datasetId: string, start: number, count: number): Promise<string[]>;
  excluded(datasetId: string): Promise<ExcludedTake[]>;
  /**
   * Writes a step's result unless one is there already (a step is written once):
   * answers the result that is stored now, this one or the earlier.
   */
  saveStep(datasetId: string, result: StepResult): Promise<StepResult>;
  /** Step results from position `start`, at most `count`, in order; stops at the first position with none. */
  steps(datasetId: string, start: number, count: number): Promise<StepResult[]>;
  /** Datasets queued or building, oldest first: the builds to run or resume. */
  unfinished(limit: number): Promise<string[]>;
  /** Forgets the dataset, its selection and its steps (the version counter stays). */
  remove(datasetId: string): Promise<void>;
}

/** Datasets kept at most; a new one beyond is refused until one is deleted. */
export const MAX_DATASETS = 500;
/** Takes one dataset may hold. */
export const MAX_TAKES = 10_000;
/** Takes the selection may leave out and still list each with its reason. */
export const MAX_EXCLUDED_LISTED = 1_000;

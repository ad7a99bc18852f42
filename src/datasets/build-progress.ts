import { mergeStats } from './stats';
import type { DatasetStore } from './dataset-store';
import type { EpisodeSchema, FeatureStats, StepResult } from './types';

/** Step results read back per page: a resumed build walks them without holding them. */
export const STEP_PAGE = 500;

/** What the steps done so far add up to: where the next step starts, and the dataset-wide statistics. */
export interface BuildTally {
  done: number;
  episodes: number;
  frames: number;
  schema?: EpisodeSchema;
  stats: Record<string, FeatureStats>;
}

export function emptyTally(schema?: EpisodeSchema): BuildTally {
  return { done: 0, episodes: 0, frames: 0, stats: {}, ...(schema ? { schema } : {}) };
}

/** Adds one step's result. */
export function tallyStep(t: BuildTally, step: StepResult): void {
  t.done = step.position + 1;
  if (step.kind !== 'episode') return;
  t.episodes++;
  t.frames += step.frames;
  if (!t.schema && step.schema) t.schema = step.schema;
  for (const [name, s] of Object.entries(step.stats)) {
    const into = t.stats[name];
    if (into) mergeStats(into, s);
    else t.stats[name] = structuredClone(s);
  }
}

/** Every stored step, in order, a page at a time. */
export async function* stepPages(store: DatasetStore, datasetId: string, total: number): AsyncGenerator<StepResult[]> {
  for (let start = 0; start < total; start += STEP_PAGE) {
    const page = await store.steps(datasetId, start, Math.min(STEP_PAGE, total - start));
    if (page.length > 0) yield page;
    if (page.length < Math.min(STEP_PAGE, total - start)) return;
  }
}

/** The tally of the steps a build already stored (a resumed build starts after them). */
export async function tallyStored(store: DatasetStore, datasetId: string, total: number, schema?: EpisodeSchema): Promise<BuildTally> {
  const tally = emptyTally(schema);
  for await (const page of stepPages(store, datasetId, total)) for (const step of page) tallyStep(tally, step);
  return tally;
}

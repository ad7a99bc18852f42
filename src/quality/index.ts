import type { FeatureFactory } from '../feature/feature';
import { qaRouteDocs, qaRoutes } from './qa-routes';
import { QaService } from './qa-service';

export { QaService } from './qa-service';
export { analyseNpz } from './analyse';
export { MemoryBudget } from './memory-budget';
export type { NpzScore } from './qa-score';
// The NPZ's parts for readers that stream it array by array (datasets turn per-frame arrays into Parquet columns).
export { NpzFormatError, asFormatError, spoolNpz, RATIO_CHECK_FLOOR, type NpzLimits } from './npz-reader';
export { NPY_PREAMBLE_BYTES, NpyFormatError, elementCount, npyDataOffset, parseNpyHeader, type NpyHeader } from './npy';

declare module '../feature/services' {
  interface FeatureServices {
    /** Capture quality: NPZ reading and QA scoring of recordings. */
    qa: QaService;
  }
}

/** Capture quality: each recording's NPZ read and scored by the spec's QA formulas; /api/qa-metrics. */
export const quality: FeatureFactory = (ctx) => {
  const qa = new QaService({
    storage: ctx.storage,
    store: ctx.store,
    metrics: ctx.metrics,
    logger: ctx.logger,
    config: ctx.config.quality,
  });
  return { name: 'quality', provides: { qa }, routes: qaRoutes(ctx.auth, qa), routeDocs: qaRouteDocs };
};

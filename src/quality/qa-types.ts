import { z } from 'zod';
import type { NpzScore } from './qa-score';

/** Sessions scoring below this overall have issues (the spec's "Quality < 80%"). */
export const ISSUE_THRESHOLD = 80;

const num = z.number();
/** What the cache must hold to be used; anything else (corrupt, older shape) is re-read. */
export const cachedScoreSchema = z.object({
  captureDate: z.string().optional(),
  stages: z.object({
    stage2_captureQuality: z.object({
      totalFrames: num,
      bothHandsNotInFramePercent: num,
      trackingErrorsPercent: num,
      handSpeedExceededPercent: num,
      validFramesPercent: num,
      score: num,
    }),
    stage10_validationTests: z.object({
      npzIntegrityCheck: z.boolean(),
      frameCountCheck: z.boolean(),
      timestampConsistency: z.boolean(),
      score: num,
    }),
    stage12_trackingConfidence: z.object({
      leftHandAvgConfidence: num,
      rightHandAvgConfidence: num,
      overallAvgConfidence: num,
      lowConfidenceFramesPercent: num,
      score: num,
    }),
  }),
  overallQualityScore: num,
  issues: z.array(z.string()),
  metadata: z.object({ totalFrames: num.optional(), durationSeconds: num.optional(), appVersion: z.string().optional() }).optional(),
}) satisfies z.ZodType<NpzScore>;

/** One session in the spec's QAMetrics, plus `issues` (why checks failed) beyond the spec. */
export const qaSessionSchema = cachedScoreSchema.omit({ captureDate: true }).extend({
  sessionId: z.string(),
  captureDate: z.string(),
  /** 'complete' when the session has both its .mp4 and its .npz, as in S3Stats. */
  status: z.enum(['complete', 'incomplete']),
});
export type QaSession = z.infer<typeof qaSessionSchema>;

/** The spec's QAMetrics (GET /api/qa-metrics answers it with ok: true). */
export const qaMetricsSchema = z.object({
  overview: z.object({ totalSessions: num, completeSessions: num, lastUpdated: z.string() }),
  sessions: z.array(qaSessionSchema),
  aggregateStats: z.object({
    avgCaptureQuality: num,
    avgTrackingConfidence: num,
    avgValidationScore: num,
    sessionsWithIssues: num,
  }),
});
export type QaMetrics = z.infer<typeof qaMetricsSchema>;

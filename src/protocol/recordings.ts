import { z } from 'zod';
import { recordingStartSchema } from '../domain/clock';
import { RECORDING_ID_PATTERN } from '../domain/layout';
import { RECORDING_DECISIONS, RECORDING_STATES, RECORDING_VERDICTS } from '../domain/recordings';

/**
 * The recordings' shapes that travel over Socket.IO (tablet-review-recording,
 * its answer, on-recording-verdict). The REST API (recordings/schemas.ts)
 * answers with the same view.
 */

export const recordingIdSchema = z
  .string()
  .regex(RECORDING_ID_PATTERN, { message: 'recordingId must look like 20260206_143052_{deviceId}' });

const TAG_KEY = /^[A-Za-z0-9_.-]{1,40}$/;
export const tagsSchema = z
  .record(z.string().regex(TAG_KEY, { message: 'tag names are 1-40 characters of a-z, A-Z, 0-9, _, . or -' }), z.string().max(200))
  .refine((tags) => Object.keys(tags).length <= 20, { message: 'at most 20 tags' });

/** tablet-review-recording's argument and PATCH /api/recordings/:recordingId's body. */
const reviewFields = z.object({
  decision: z.enum(RECORDING_DECISIONS).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  /** Merged into the recording's tags; a tag given as '' is removed. */
  tags: tagsSchema.optional(),
  note: z.string().max(2000).optional(),
});
const something = { message: 'give a decision, outcome, tags or note' };
export const reviewSchema = reviewFields.strict().refine((r) => Object.keys(r).length > 0, something);
export type ReviewRequest = z.output<typeof reviewSchema>;
/** The socket event names the recording in the same object. */
export const tabletReviewSchema = reviewFields
  .extend({ recordingId: recordingIdSchema })
  .strict()
  .refine((r) => Object.keys(r).length > 1, something);

const fileView = z.object({
  key: z.string(),
  state: z.enum(['uploading', 'complete', 'failed']),
  size: z.number(),
  etag: z.string().optional(),
  sha256: z.string().optional(),
  clientSha256: z.string().optional(),
});

/** A recording as the API answers it. */
export const recordingViewSchema = z.object({
  recordingId: z.string(),
  deviceId: z.string(),
  sessionId: z.string().optional(),
  tabletId: z.string().optional(),
  appVersion: z.string().optional(),
  state: z.enum(RECORDING_STATES),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  /** Beyond the issue: when the headset really started (server epoch ms), its plan and the clock estimate used (docs/CLOCK.md). */
  start: recordingStartSchema.optional(),
  files: z.object({ video: fileView.optional(), data: fileView.optional() }),
  verdict: z.enum(RECORDING_VERDICTS).optional(),
  qaScore: z.number().nullable().optional(),
  reasons: z.array(z.string()),
  checks: z.record(z.string(), z.boolean()).optional(),
  video: z.record(z.string(), z.unknown()).optional(),
  tracking: z.record(z.string(), z.unknown()).optional(),
  verifiedAt: z.string().optional(),
  decision: z.enum(RECORDING_DECISIONS).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  tags: z.record(z.string(), z.string()),
  note: z.string().optional(),
  discardedAt: z.string().optional(),
  purgedAt: z.string().optional(),
  /** What changed, by whom, when: the newest 50 (at most 32 KiB), reviews as diffs. Only in one recording's answers, never in lists or exports. */
  history: z
    .array(
      z.object({
        at: z.string(),
        actor: z.object({ kind: z.string(), id: z.string() }),
        change: z.string(),
        detail: z.unknown().optional(),
      }),
    )
    .optional(),
});
export type RecordingView = z.infer<typeof recordingViewSchema>;

/** on-recording-verdict's payload. */
export const recordingVerdictSchema = z.object({
  recordingId: z.string(),
  deviceId: z.string(),
  sessionId: z.string().optional(),
  verdict: z.enum(RECORDING_VERDICTS),
  qaScore: z.number().nullable(),
  reasons: z.array(z.string()),
  files: z.object({ video: fileView.optional(), data: fileView.optional() }),
  /**
   * A burst of failed verdicts of one headset is announced as its first verdict, then one summary per
   * RECORDING_NOTICE_WINDOW_MS: `count` failed verdicts held meanwhile, the newest `recordingIds` (at most 50).
   * The fields above are then the newest one still failing. Every record keeps its own verdict.
   */
  summary: z.object({ count: z.number().int(), recordingIds: z.array(z.string()) }).optional(),
});

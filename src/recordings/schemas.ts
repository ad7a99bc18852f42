import { z } from 'zod';
import { cursorQuerySchema } from '../domain/cursor';
import { deviceIdSchema, sessionIdSchema } from '../domain/ids';
import { isoDate } from '../domain/iso-date';
import { RECORDING_ID_PATTERN } from '../domain/layout';
import { RECORDING_DECISIONS, RECORDING_STATES, RECORDING_VERDICTS } from '../state/recording-types';

/**
 * Every shape the recordings feature takes in or gives out: REST queries and
 * bodies, the socket event's arguments, and the answers. Exported so the API
 * documents (AsyncAPI now, OpenAPI at merge) are built from them.
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

/** GET /api/recordings and /api/recordings/export filters. */
export const recordingFiltersSchema = z
  .object({
    sessionId: sessionIdSchema.optional(),
    deviceId: deviceIdSchema.optional(),
    state: z.enum(RECORDING_STATES).optional(),
    verdict: z.enum(RECORDING_VERDICTS).optional(),
    decision: z.enum([...RECORDING_DECISIONS, 'none']).optional(),
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}:.{0,200}$/, { message: 'tag must be key:value' })
      .transform((t) => ({ key: t.slice(0, t.indexOf(':')), value: t.slice(t.indexOf(':') + 1) }))
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();

export const listQuerySchema = recordingFiltersSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorQuerySchema.optional(),
});
export const exportQuerySchema = recordingFiltersSchema.extend({ format: z.enum(['jsonl', 'csv']).default('jsonl') });

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
  history: z.array(
    z.object({ at: z.string(), actor: z.object({ kind: z.string(), id: z.string() }), change: z.string(), detail: z.unknown().optional() }),
  ),
});
export type RecordingView = z.infer<typeof recordingViewSchema>;

export const recordingPageSchema = z.object({
  ok: z.literal(true),
  recordings: z.array(recordingViewSchema),
  nextCursor: z.string().optional(),
});
export const recordingAnswerSchema = z.object({ ok: z.literal(true), recording: recordingViewSchema });

/** on-recording-verdict's payload. */
export const recordingVerdictSchema = z.object({
  recordingId: z.string(),
  deviceId: z.string(),
  sessionId: z.string().optional(),
  verdict: z.enum(RECORDING_VERDICTS),
  qaScore: z.number().nullable(),
  reasons: z.array(z.string()),
  files: z.object({ video: fileView.optional(), data: fileView.optional() }),
});

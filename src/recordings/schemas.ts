import { pageTotalFields } from '../domain/page-total';
import { z } from 'zod';
import { cursorQuerySchema } from '../domain/cursor';
import { deviceIdSchema, sessionIdSchema } from '../domain/ids';
import { isoDate } from '../domain/iso-date';
import { RECORDING_DECISIONS, RECORDING_STATES, RECORDING_VERDICTS } from '../domain/recordings';
import { recordingViewSchema } from '../protocol/recordings';

export {
  recordingIdSchema,
  recordingVerdictSchema,
  recordingViewSchema,
  reviewSchema,
  tabletReviewSchema,
  tagsSchema,
  type RecordingView,
  type ReviewRequest,
} from '../protocol/recordings';

/**
 * Every shape the recordings feature takes in or gives out: REST queries and
 * bodies, the socket event's arguments, and the answers. Exported so the API
 * documents (AsyncAPI now, OpenAPI at merge) are built from them.
 */

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

export const recordingPageSchema = z.object({
  ok: z.literal(true),
  /** This page's length (beyond the spec). */
  count: z.number().int(),
  ...pageTotalFields,
  recordings: z.array(recordingViewSchema),
  nextCursor: z.string().optional(),
});
export const recordingAnswerSchema = z.object({ ok: z.literal(true), recording: recordingViewSchema });

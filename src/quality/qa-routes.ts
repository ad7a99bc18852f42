import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { orUnavailable } from '../storage';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { RECORDING_FOLDER_PATTERN } from '../domain/layout';
import type { QaService } from './qa-service';
import type { RouteDoc } from '../http/route-doc';
import { qaMetricsSchema, qaSessionSchema } from './qa-types';

const noQuery = z.object({}).strict();
/** The route's `sessionId` (the spec's name) is a recording folder: the spec's form, or a recordingId. */
const recordingFolderSchema = z.string().regex(RECORDING_FOLDER_PATTERN, {
  message: 'sessionId must look like 20260206_143052 (YYYYMMDD_HHMMSS) or 20260206_143052_{deviceId}',
});

const qaAnswerSchema = qaMetricsSchema.extend({ ok: z.literal(true) });
const qaSessionAnswerSchema = qaSessionSchema.extend({ ok: z.literal(true) });

export const qaRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/qa-metrics',
    tag: 'quality',
    summary: "Quality scores of every recording (the spec's QAMetrics)",
    auth: ['dashboard', 'tablet'],
    query: noQuery,
    answer: qaAnswerSchema,
    errors: ['storage_unavailable'],
  },
  {
    method: 'get',
    path: '/api/qa-metrics/:sessionId',
    tag: 'quality',
    summary: 'Quality scores of one recording folder',
    auth: ['dashboard', 'tablet'],
    params: { sessionId: recordingFolderSchema },
    query: noQuery,
    answer: qaSessionAnswerSchema,
    errors: ['not_found', 'storage_unavailable'],
  },
];

/**
 * GET /api/qa-metrics (the spec's QAMetrics) and GET /api/qa-metrics/:sessionId
 * (one session of it), for dashboards and tablets (or the admin key).
 */
export function qaRoutes(auth: RestAuthDeps, qa: QaService): Router {
  const router = Router();
  const allowed = requireAuth(auth, ['dashboard', 'tablet']);

  router.get('/api/qa-metrics', allowed, async (req, res) => {
    if (!noQuery.safeParse(req.query).success) throw new DomainError('invalid', 'this endpoint takes no query parameters');
    res.json({ ok: true, ...(await orUnavailable('recordings storage', () => qa.all())) } satisfies z.input<typeof qaAnswerSchema>);
  });

  router.get('/api/qa-metrics/:sessionId', allowed, async (req, res) => {
    if (!noQuery.safeParse(req.query).success) throw new DomainError('invalid', 'this endpoint takes no query parameters');
    const folder = recordingFolderSchema.safeParse(req.params.sessionId);
    if (!folder.success) throw new DomainError('invalid', folder.error.issues[0]!.message);
    const session = await orUnavailable('recordings storage', () => qa.one(folder.data));
    if (session === null) throw new DomainError('not_found', `no recordings for session ${folder.data}`);
    res.json({ ok: true, ...session } satisfies z.input<typeof qaSessionAnswerSchema>);
  });
  return router;
}

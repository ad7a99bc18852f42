import { pageCounts, pageTotalFields } from '../domain/page-total';
import { Router } from 'express';
import { z } from 'zod';
import type { Store } from '../state/types';
import { cursorQuerySchema } from '../domain/cursor';
import { DEVICE_ID_PATTERN, sessionIdSchema } from '../domain/ids';
import { sessionStatusSchema } from '../domain/sessions';
import type { SessionService } from './session-service';
import { DomainError } from '../domain/errors';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import type { RouteDoc } from '../http/route-doc';
import { sessionViewSchema } from '../protocol/views';

const listQuery = z.strictObject({
  status: sessionStatusSchema.optional(),
  tabletId: z.string().regex(DEVICE_ID_PATTERN, { message: 'invalid tablet ID' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorQuerySchema.optional(),
});
const sessionIdParam = sessionIdSchema;
const listAnswerSchema = z.object({
  ok: z.literal(true),
  count: z.number().int(),
  ...pageTotalFields,
  sessions: z.array(sessionViewSchema),
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
const oneAnswerSchema = z.object({ ok: z.literal(true), session: sessionViewSchema });

export type SessionListQuery = z.input<typeof listQuery>;
export type SessionListAnswer = z.output<typeof listAnswerSchema>;
export type SessionAnswer = z.output<typeof oneAnswerSchema>;

export const sessionRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/sessions',
    tag: 'sessions',
    summary: 'Capture sessions, newest first, filtered and paged',
    description:
      'A page holds `limit` sessions and at most PAGE_MAX_BYTES of them (metadata included), with a nextCursor when either cuts it.',
    auth: ['dashboard', 'tablet'],
    query: listQuery,
    answer: listAnswerSchema,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/sessions/:sessionId',
    tag: 'sessions',
    summary: 'One capture session',
    auth: ['dashboard', 'tablet'],
    params: { sessionId: sessionIdParam },
    answer: oneAnswerSchema,
    errors: ['not_found', 'store_unavailable'],
  },
];

/** GET /api/sessions (newest first, filtered, paged) and GET /api/sessions/:id. */
export function sessionRoutes(auth: RestAuthDeps, sessions: SessionService, store: Store, pageMaxBytes: number): Router {
  const router = Router();
  const dashboardOrTablet = requireAuth(auth, ['dashboard', 'tablet']);

  router.get('/api/sessions', dashboardOrTablet, async (req, res) => {
    const query = parseOr400(listQuery, req.query, 'query');
    const page = await store.sessions.list({ ...query, maxBytes: pageMaxBytes });
    const views = await sessions.views(page.sessions);
    res.json({
      ok: true,
      ...pageCounts(views.length, page),
      sessions: views,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    } satisfies z.input<typeof listAnswerSchema>);
  });

  router.get('/api/sessions/:sessionId', dashboardOrTablet, async (req, res) => {
    const sessionId = parseOr400(sessionIdParam, req.params.sessionId, 'session ID');
    const session = await store.sessions.get(sessionId);
    if (!session) throw new DomainError('not_found', `session ${sessionId} not found`);
    const [view] = await sessions.views([session]);
    res.json({ ok: true, session: view! } satisfies z.input<typeof oneAnswerSchema>);
  });
  return router;
}

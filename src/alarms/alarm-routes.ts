import { pageCounts, pageTotalFields } from '../domain/page-total';
import { Router } from 'express';
import { z } from 'zod';
import { actorOf } from '../domain/actor';
import { cursorQuerySchema } from '../domain/cursor';
import { DEVICE_ID_PATTERN } from '../domain/ids';
import { isoDate } from '../domain/iso-date';
import { callerOf, requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import type { RouteDoc } from '../http/route-doc';
import { alarmViewSchema } from '../protocol/views';
import { ALARM_TYPES } from './alarm-types';
import type { AlarmService } from './alarm-service';
import { alarmView } from './alarm-view';

/** GET /api/alarms query (exported for the OpenAPI document). */
export const alarmListQuerySchema = z.strictObject({
  state: z.enum(['active', 'acknowledged', 'cleared', 'open']).optional(),
  deviceId: z.string().regex(DEVICE_ID_PATTERN, { message: 'invalid device ID' }).optional(),
  type: z.enum(ALARM_TYPES).optional(),
  severity: z.enum(['warning', 'critical']).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuerySchema.optional(),
});
export const alarmListAnswerSchema = z.object({
  ok: z.literal(true),
  count: z.number().int(),
  ...pageTotalFields,
  alarms: z.array(alarmViewSchema),
  nextCursor: z.string().optional(),
});
/** POST /api/alarms/:alarmId/ack: the path parameter, and the answer. No body. */
export const alarmIdParamSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'not an alarm ID' });
export const alarmAckAnswerSchema = z.object({ ok: z.literal(true), alarm: alarmViewSchema });

export const alarmRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/alarms',
    tag: 'alarms',
    summary: 'Alarms (open and cleared), newest first, filtered and paged',
    description: 'Every rule, threshold and payload: docs/ALARMS.md.',
    auth: ['dashboard', 'tablet'],
    query: alarmListQuerySchema,
    answer: alarmListAnswerSchema,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
  {
    method: 'post',
    path: '/api/alarms/:alarmId/ack',
    tag: 'alarms',
    summary: 'Acknowledges an alarm (records who and when); tablets acknowledge over their socket',
    auth: ['dashboard'],
    params: { alarmId: alarmIdParamSchema },
    answer: alarmAckAnswerSchema,
    errors: ['not_found', 'conflict', 'store_unavailable'],
  },
];

/** Alarms for dashboards and operators: the history (filtered, paged) and acknowledging one. */
export function alarmRoutes(auth: RestAuthDeps, alarms: AlarmService): Router {
  const router = Router();
  const readers = requireAuth(auth, ['dashboard', 'tablet']);
  // Tablets acknowledge over their socket (tablet-ack-alarm), where the server knows which devices are theirs.
  const operators = requireAuth(auth, ['dashboard']);

  router.get('/api/alarms', readers, async (req, res) => {
    const query = parseOr400(alarmListQuerySchema, req.query, 'query');
    const page = await alarms.list(query);
    res.json({
      ok: true,
      ...pageCounts(page.alarms.length, page),
      alarms: page.alarms.map(alarmView),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    } satisfies z.input<typeof alarmListAnswerSchema>);
  });

  router.post('/api/alarms/:alarmId/ack', operators, async (req, res) => {
    const alarmId = parseOr400(alarmIdParamSchema, req.params.alarmId, 'alarm ID');
    const alarm = await alarms.acknowledge(alarmId, actorOf(callerOf(res)));
    res.json({ ok: true, alarm: alarmView(alarm) } satisfies z.input<typeof alarmAckAnswerSchema>);
  });
  return router;
}

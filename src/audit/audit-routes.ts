import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { actorKindSchema } from '../domain/actor';
import { cursorQuerySchema } from '../domain/cursor';
import { isoDate } from '../domain/iso-date';
import { DEVICE_ID_PATTERN, deviceIdSchema, sessionIdSchema } from '../domain/ids';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import type { RouteDoc } from '../http/route-doc';
import { timelineEntryViewSchema } from '../protocol/views';
import { TELEMETRY_HISTORY_SECONDS, type Store, type TimelineEntry, type TimelineStream } from '../state/types';
import { streamCsv } from './csv';
import { TimelineReader, type EntryFilter, type TimelineList } from './timeline-reader';

/** Rows one CSV export holds at most. */
export const CSV_MAX_ROWS = 100_000;

const KIND = /^[a-z][a-z.-]{0,63}$/;
/** A session's timeline goes on this long after its end, for entries of that session (its stop commands' answers). */
const SESSION_END_GRACE_MS = 60_000;

/** GET /api/devices/:deviceId/timeline and GET /api/sessions/:sessionId/timeline: the query string. */
export const timelineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuerySchema.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  /** An entry kind (`lock.locked`) or its family (`lock`). */
  kind: z.string().regex(KIND, { message: 'invalid kind' }).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

/** GET /api/audit: the query string. `actor` is an actor ID (a tablet's device ID, `admin`), `action` an entry kind or family. */
export const auditQuerySchema = timelineQuerySchema.omit({ kind: true }).extend({
  actor: z.string().regex(DEVICE_ID_PATTERN, { message: 'invalid actor ID' }).optional(),
  actorKind: actorKindSchema.optional(),
  action: z.string().regex(KIND, { message: 'invalid action' }).optional(),
});

/** The answer of every timeline and audit read. */
export const timelinePageSchema = z.object({
  ok: z.literal(true),
  count: z.number(),
  entries: z.array(timelineEntryViewSchema),
  nextCursor: z.string().optional(),
});

/** GET /api/devices/:deviceId/telemetry-history: the query string (the last 24 hours by default). */
export const telemetryHistoryQuerySchema = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
});

export const telemetryHistoryAnswerSchema = z.object({
  ok: z.literal(true),
  deviceId: z.string(),
  count: z.number(),
  samples: z.array(z.object({ at: z.string(), values: z.record(z.string(), z.union([z.number(), z.boolean(), z.null()])) })),
});

export function entryView(e: TimelineEntry): z.infer<typeof timelineEntryViewSchema> {
  return {
    id: e.id,
    at: e.at.toISOString(),
    kind: e.kind,
    deviceIds: e.deviceIds,
    ...(e.sessionId !== undefined ? { sessionId: e.sessionId } : {}),
    ...(e.actor ? { actor: e.actor } : {}),
    ...(e.outcome ? { outcome: e.outcome } : {}),
    ...(e.details ? { details: e.details } : {}),
  };
}

const csvAnswer = { 200: { description: 'with `format=csv`: the same entries as CSV (text/csv), streamed, up to 100,000 rows' } };

export const auditRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/devices/:deviceId/timeline',
    tag: 'audit',
    summary: "A headset's timeline, newest first, paged (or CSV)",
    auth: ['dashboard', 'tablet'],
    params: { deviceId: deviceIdSchema },
    query: timelineQuerySchema,
    answer: timelinePageSchema,
    otherAnswers: csvAnswer,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/sessions/:sessionId/timeline',
    tag: 'audit',
    summary: "A capture session's timeline: its transitions and what touched its headsets while it ran",
    auth: ['dashboard', 'tablet'],
    params: { sessionId: sessionIdSchema },
    query: timelineQuerySchema,
    answer: timelinePageSchema,
    otherAnswers: csvAnswer,
    errors: ['invalid_cursor', 'not_found', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/audit',
    tag: 'audit',
    summary: 'Operator actions (the audit log), newest first, filtered by actor and action, paged (or CSV)',
    auth: ['dashboard', 'tablet'],
    query: auditQuerySchema,
    answer: timelinePageSchema,
    otherAnswers: csvAnswer,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/devices/:deviceId/telemetry-history',
    tag: 'audit',
    summary: "A headset's telemetry, one sample a minute, over the last 24 hours",
    auth: ['dashboard', 'tablet'],
    params: { deviceId: deviceIdSchema },
    query: telemetryHistoryQuerySchema,
    answer: telemetryHistoryAnswerSchema,
    errors: ['store_unavailable'],
  },
];

const ofKind = (kind: string | undefined): EntryFilter | undefined =>
  kind === undefined ? undefined : (e) => e.kind === kind || e.kind.startsWith(`${kind}.`);

/** Timelines of devices and sessions, the audit log and the telemetry history: for the admin key or a dashboard/tablet token. */
export function auditRoutes(auth: RestAuthDeps, store: Store): Router {
  const router = Router();
  const reader = new TimelineReader(store.timeline);
  const allowed = requireAuth(auth, ['dashboard', 'tablet']);

  const answer = async (
    res: import('express').Response,
    list: TimelineList,
    name: string,
    streams: TimelineStream[],
    query: z.infer<typeof timelineQuerySchema>,
    filter: EntryFilter | undefined,
  ) => {
    const window = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
    if (query.format === 'csv') {
      return streamCsv(
        res,
        `${name}.csv`,
        reader.all(list, streams, { ...window, ...(query.cursor ? { cursor: query.cursor } : {}) }, filter, CSV_MAX_ROWS),
      );
    }
    const page = await reader.page(
      list,
      streams,
      { ...window, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) },
      filter,
    );
    const body: z.infer<typeof timelinePageSchema> = {
      ok: true,
      count: page.entries.length,
      entries: page.entries.map(entryView),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
    res.json(body);
  };

  router.get('/api/devices/:deviceId/timeline', allowed, async (req, res) => {
    const deviceId = parseOr400(deviceIdSchema, req.params.deviceId, 'device ID');
    const query = parseOr400(timelineQuerySchema, req.query, 'query');
    await answer(res, 'device-timeline', `timeline-${deviceId}`, [{ kind: 'device', deviceId }], query, ofKind(query.kind));
  });

  router.get('/api/sessions/:sessionId/timeline', allowed, async (req, res) => {
    const sessionId = parseOr400(sessionIdSchema, req.params.sessionId, 'session ID');
    const query = parseOr400(timelineQuerySchema, req.query, 'query');
    const session = await store.sessions.get(sessionId);
    if (!session) throw new DomainError('not_found', `session ${sessionId} not found`);
    // Everything that touched its headsets between its creation and its end, its own transitions, and what
    // its end caused (the stop commands and their answers carry its ID), for a while after.
    const from = new Date(Math.max(session.createdAt.getTime(), query.from?.getTime() ?? 0));
    const endedAt = session.endedAt;
    const end = endedAt ? new Date(endedAt.getTime() + SESSION_END_GRACE_MS) : undefined;
    const to = end && query.to && query.to < end ? query.to : (end ?? query.to);
    const byKind = ofKind(query.kind);
    const filter: EntryFilter = (e) => (e.sessionId === sessionId || !endedAt || e.at <= endedAt) && (!byKind || byKind(e));
    const streams: TimelineStream[] = [
      { kind: 'session', sessionId },
      ...session.deviceIds.map((deviceId) => ({ kind: 'device' as const, deviceId })),
    ];
    await answer(res, 'session-timeline', `session-${sessionId}`, streams, { ...query, from, ...(to ? { to } : {}) }, filter);
  });

  router.get('/api/audit', allowed, async (req, res) => {
    const query = parseOr400(auditQuerySchema, req.query, 'query');
    const byAction = ofKind(query.action);
    const filter: EntryFilter | undefined =
      query.actor === undefined && query.actorKind === undefined && byAction === undefined
        ? undefined
        : (e) =>
            (query.actor === undefined || e.actor?.id === query.actor) &&
            (query.actorKind === undefined || e.actor?.kind === query.actorKind) &&
            (byAction === undefined || byAction(e));
    await answer(res, 'audit', 'audit', [{ kind: 'audit' }], { ...query, kind: undefined }, filter);
  });

  router.get('/api/devices/:deviceId/telemetry-history', allowed, async (req, res) => {
    const deviceId = parseOr400(deviceIdSchema, req.params.deviceId, 'device ID');
    const query = parseOr400(telemetryHistoryQuerySchema, req.query, 'query');
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - TELEMETRY_HISTORY_SECONDS * 1000);
    const samples = await store.timeline.samples(deviceId, from, to, 2 * 24 * 60);
    const body: z.infer<typeof telemetryHistoryAnswerSchema> = {
      ok: true,
      deviceId,
      count: samples.length,
      samples: samples.map((s) => ({ at: s.at.toISOString(), values: s.values })),
    };
    res.json(body);
  });
  return router;
}

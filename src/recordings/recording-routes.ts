import type { z } from 'zod';
import express, { Router } from 'express';
import { actorOf } from '../domain/actor';
import { DomainError } from '../domain/errors';
import { pageCounts } from '../domain/page-total';
import { drainedOrClosed } from '../http/back-pressure';
import { callerOf, requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import { exportLines } from './export';
import type { RecordingService } from './recording-service';
import { exportQuerySchema, listQuerySchema, recordingAnswerSchema, recordingIdSchema, recordingPageSchema, reviewSchema } from './schemas';
import type { RouteDoc } from '../http/route-doc';
import { toView } from './views';

export const recordingRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/recordings',
    tag: 'recordings',
    summary: 'Recordings, newest first, filtered (session, device, state, verdict, decision, tag, time) and paged',
    description:
      'States, checks and curation: docs/RECORDINGS.md. Without history (GET one recording for it); a page holds `limit` recordings and at most PAGE_MAX_BYTES of them, with a nextCursor when either cuts it.',
    auth: ['dashboard', 'tablet'],
    query: listQuerySchema,
    answer: recordingPageSchema,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/recordings/export',
    tag: 'recordings',
    summary: 'Every recording the filters match, streamed as JSON lines or CSV',
    auth: ['dashboard', 'tablet'],
    query: exportQuerySchema,
    answer: { contentType: 'application/x-ndjson', description: 'one recording per line (text/csv with format=csv), streamed' },
    errors: ['store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/recordings/:recordingId',
    tag: 'recordings',
    summary: 'One recording: files, checks, verdict and reasons, decision, tags and history',
    auth: ['dashboard', 'tablet'],
    params: { recordingId: recordingIdSchema },
    answer: recordingAnswerSchema,
    errors: ['not_found', 'store_unavailable'],
  },
  {
    method: 'patch',
    path: '/api/recordings/:recordingId',
    tag: 'recordings',
    summary: 'Curates a recording: keep or discard (soft, undoable), outcome, tags, note',
    auth: ['dashboard', 'tablet'],
    params: { recordingId: recordingIdSchema },
    body: { json: reviewSchema },
    answer: recordingAnswerSchema,
    errors: ['not_found', 'forbidden', 'conflict', 'store_unavailable'],
  },
];

/**
 * GET /api/recordings (filtered, paged, newest first), GET /api/recordings/export
 * (streamed JSON lines or CSV), GET and PATCH /api/recordings/:recordingId.
 * Dashboards and tablets (or the admin key).
 */
export function recordingRoutes(auth: RestAuthDeps, service: RecordingService, pageMaxBytes: number): Router {
  const router = Router();
  const allowed = requireAuth(auth, ['dashboard', 'tablet']);
  const json = express.json({ limit: '32kb' });

  router.get('/api/recordings', allowed, async (req, res) => {
    const { cursor, limit, ...filters } = parseOr400(listQuerySchema, req.query, 'query');
    const page = await service.list({ ...filters, limit, maxBytes: pageMaxBytes, ...(cursor ? { cursor } : {}) });
    res.json({
      ok: true,
      ...pageCounts(page.recordings.length, page),
      recordings: page.recordings.map(toView),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    } satisfies z.input<typeof recordingPageSchema>);
  });

  router.get('/api/recordings/export', allowed, async (req, res) => {
    const { format, ...filters } = parseOr400(exportQuerySchema, req.query, 'query');
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="recordings.${format}"`);
    try {
      for await (const chunk of exportLines(service, { ...filters, maxBytes: pageMaxBytes }, format)) {
        if (res.destroyed) return;
        // Back-pressure: a slow client holds at most one page in memory.
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      res.end();
    } catch (err) {
      // Headers are gone once a page was written: cut the response so the client sees it incomplete.
      if (!res.headersSent) throw err;
      req.log?.error({ err }, 'recordings export failed midway');
      res.destroy();
    }
  });

  router.get('/api/recordings/:recordingId', allowed, async (req, res) => {
    const id = parseOr400(recordingIdSchema, req.params.recordingId, 'recordingId');
    res.json({ ok: true, recording: toView(await service.get(id)) });
  });

  router.patch('/api/recordings/:recordingId', allowed, json, async (req, res) => {
    const id = parseOr400(recordingIdSchema, req.params.recordingId, 'recordingId');
    if (typeof req.body !== 'object' || req.body === null) throw new DomainError('invalid', 'expected a JSON body');
    const review = parseOr400(reviewSchema, req.body, 'review');
    res.json({ ok: true, recording: toView(await service.review(id, review, actorOf(callerOf(res)))) });
  });
  return router;
}

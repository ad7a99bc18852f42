import express, { Router } from 'express';
import { actorOf } from '../domain/actor';
import { DomainError } from '../domain/errors';
import { pageCounts, pageTotalFields } from '../domain/page-total';
import { z } from 'zod';
import { commandStateSchema } from '../domain/commands';
import { cursorQuerySchema } from '../domain/cursor';
import { isoDate } from '../domain/iso-date';
import { DEVICE_ID_PATTERN, deviceIdSchema } from '../domain/ids';
import { callerOf, requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import { commandViewSchema } from '../protocol/views';
import type { Store } from '../state/types';
import { commandView } from './command-ledger';
import type { RecordingCommands } from './recording-commands';
import type { RouteDoc } from '../http/route-doc';

/** GET /api/commands: the query string. */
export const commandListQuerySchema = z.strictObject({
  deviceId: deviceIdSchema.optional(),
  issuedBy: z.string().regex(DEVICE_ID_PATTERN, { message: 'invalid issuer ID' }).optional(),
  state: commandStateSchema.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursorQuerySchema.optional(),
});

/** GET /api/commands: the answer. */
export const commandListAnswerSchema = z.object({
  ok: z.literal(true),
  count: z.number(),
  ...pageTotalFields,
  commands: z.array(commandViewSchema),
  nextCursor: z.string().optional(),
});

/** POST /api/devices/:deviceId/stop-recording: no options yet, so an empty object or no body. */
export const operatorStopSchema = z.strictObject({});
export const operatorStopAnswerSchema = z.object({
  ok: z.literal(true),
  deviceId: z.string(),
  commandId: z.string(),
  state: commandViewSchema.shape.state,
  record: commandViewSchema,
});

export const commandRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/devices/:deviceId/stop-recording',
    tag: 'commands',
    summary: "Stops a headset's recording from the console, whichever tablet holds it",
    description:
      'For operators (a dashboard token or the admin key). A ledger record issued by the caller (GET /api/commands), ' +
      "sent to the headset like a tablet's stop: `sent`, then `confirmed` when the headset reports it stopped. A headset " +
      'that is not recording is answered `confirmed` at once. Audited with the caller as actor (docs/AUDIT.md).',
    auth: ['dashboard'],
    params: { deviceId: deviceIdSchema },
    body: { json: operatorStopSchema },
    answer: operatorStopAnswerSchema,
    errors: ['invalid', 'role', 'unknown_device', 'device_offline', 'store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/commands',
    tag: 'commands',
    summary: 'Recording commands (the ledger), newest first, filtered and paged',
    description: 'One record per headset per command: sent, then confirmed, failed or expired (docs/AUDIT.md).',
    auth: ['dashboard', 'tablet'],
    query: commandListQuerySchema,
    answer: commandListAnswerSchema,
    errors: ['invalid_cursor', 'store_unavailable'],
  },
];

/** GET /api/commands: the command ledger, newest first, filtered and paged. */
export function commandRoutes(auth: RestAuthDeps, store: Store, commands: RecordingCommands): Router {
  const router = Router();
  router.post(
    '/api/devices/:deviceId/stop-recording',
    requireAuth(auth, ['dashboard']),
    express.json({ limit: '1kb' }),
    async (req, res) => {
      const deviceId = parseOr400(deviceIdSchema, req.params.deviceId, 'deviceId');
      const body: unknown = req.body ?? {};
      if (typeof body !== 'object' || body === null) throw new DomainError('invalid', 'expected a JSON object or no body');
      parseOr400(operatorStopSchema, body, 'body');
      res.json(await commands.stopAsOperator(actorOf(callerOf(res)), deviceId));
    },
  );
  router.get('/api/commands', requireAuth(auth, ['dashboard', 'tablet']), async (req, res) => {
    const query = parseOr400(commandListQuerySchema, req.query, 'query');
    const page = await store.commands.list(query);
    const answer: z.infer<typeof commandListAnswerSchema> = {
      ok: true,
      ...pageCounts(page.commands.length, page),
      commands: page.commands.map(commandView),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
    res.json(answer);
  });
  return router;
}

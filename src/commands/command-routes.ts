import { pageCounts, pageTotalFields } from '../domain/page-total';
import { Router } from 'express';
import { z } from 'zod';
import { commandStateSchema } from '../domain/commands';
import { cursorQuerySchema } from '../domain/cursor';
import { isoDate } from '../domain/iso-date';
import { DEVICE_ID_PATTERN, deviceIdSchema } from '../domain/ids';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import { commandViewSchema } from '../protocol/views';
import type { Store } from '../state/types';
import { commandView } from './command-ledger';
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

export const commandRouteDocs: RouteDoc[] = [
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
export function commandRoutes(auth: RestAuthDeps, store: Store): Router {
  const router = Router();
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

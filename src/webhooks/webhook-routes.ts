import { Router } from 'express';
import { z } from 'zod';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { parseOr400 } from '../http/validate';
import type { RouteDoc } from '../http/route-doc';
import type { WebhookService } from './webhook-service';

/** GET /api/webhooks/deliveries query and answer (exported for the OpenAPI document). */
export const webhookDeliveriesQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const webhookDeliveriesAnswerSchema = z.object({
  ok: z.literal(true),
  enabled: z.boolean(),
  pending: z.number().int(),
  receivers: z.array(z.object({ receiver: z.string(), pending: z.number().int(), inFlight: z.number().int() })),
  attempts: z.array(
    z.object({
      deliveryId: z.string(),
      eventId: z.string(),
      event: z.string(),
      /** The receiver's label: its host (with `#n` when several share one), never its path, query or credentials. */
      receiver: z.string(),
      attempt: z.number().int(),
      at: z.string(),
      outcome: z.enum(['delivered', 'retrying', 'gave-up']),
      status: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});

export const webhookRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/webhooks/deliveries',
    tag: 'alarms',
    summary: 'Recent webhook delivery attempts and failures, and how many deliveries wait per receiver',
    auth: ['dashboard'],
    query: webhookDeliveriesQuerySchema,
    answer: webhookDeliveriesAnswerSchema,
    errors: ['store_unavailable'],
  },
];

/** Recent webhook attempts and failures, for operators. */
export function webhookRoutes(auth: RestAuthDeps, webhooks: WebhookService): Router {
  const router = Router();
  router.get('/api/webhooks/deliveries', requireAuth(auth, ['dashboard']), async (req, res) => {
    const { limit } = parseOr400(webhookDeliveriesQuerySchema, req.query, 'query');
    const { pending, receivers, attempts } = await webhooks.deliveries(limit);
    res.json({
      ok: true,
      enabled: webhooks.enabled,
      pending,
      receivers,
      attempts: attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
    } satisfies z.input<typeof webhookDeliveriesAnswerSchema>);
  });
  return router;
}

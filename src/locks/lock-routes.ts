import express, { Router } from 'express';
import { z } from 'zod';
import { actorOf, type Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import { deviceIdSchema } from '../domain/ids';
import { callerOf, requireAuth, type RestAuthDeps } from '../http/require-auth';
import type { RouteDoc } from '../http/route-doc';
import { parseOr400 } from '../http/validate';

/** POST /api/devices/:deviceId/unlock: the body (optional). */
export const operatorUnlockSchema = z.strictObject({
  /** Release even while the holding tablet is connected (its operator loses control of the headset). */
  force: z.boolean().optional(),
});
export const operatorUnlockAnswerSchema = z.object({
  ok: z.literal(true),
  deviceId: z.string(),
  /** The tablet whose lock was released. */
  releasedFrom: z.string(),
  /** Whether that tablet was connected when it was released (only with force). */
  tabletConnected: z.boolean(),
});

export const lockRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/devices/:deviceId/unlock',
    tag: 'locks',
    summary: "Releases a headset's lock from the console (a tablet that is gone, or with force any tablet)",
    description:
      'For operators (a dashboard token or the admin key): a headset held by a tablet that left without unlocking is ' +
      'freed at once instead of after LOCK_GRACE_MS. A holder that is still connected is refused (lock_held) unless ' +
      '`force` is true. Audited with the caller as actor (docs/AUDIT.md); the tablet hears on-all-devices-unlocked.',
    auth: ['dashboard'],
    params: { deviceId: deviceIdSchema },
    body: { json: operatorUnlockSchema },
    answer: operatorUnlockAnswerSchema,
    errors: ['invalid', 'role', 'conflict', 'lock_held', 'store_unavailable'],
  },
];

/** What the route needs of the locks feature. */
export interface OperatorUnlock {
  (deviceId: string, actor: Actor, force: boolean): Promise<z.infer<typeof operatorUnlockAnswerSchema>>;
}

export function lockRoutes(auth: RestAuthDeps, unlock: OperatorUnlock): Router {
  const router = Router();
  const json = express.json({ limit: '1kb' });
  router.post('/api/devices/:deviceId/unlock', requireAuth(auth, ['dashboard']), json, async (req, res) => {
    const deviceId = parseOr400(deviceIdSchema, req.params.deviceId, 'deviceId');
    const body: unknown = req.body ?? {};
    if (typeof body !== 'object' || body === null) throw new DomainError('invalid', 'expected a JSON object or no body');
    const { force } = parseOr400(operatorUnlockSchema, body, 'body');
    res.json(await unlock(deviceId, actorOf(callerOf(res)), force ?? false));
  });
  return router;
}

import express, { Router } from 'express';
import { z } from 'zod';
import { deviceIdSchema, deviceTypeSchema } from '../auth';
import { ADMIN_ACTOR } from '../domain/actor';
import { requireAuth, type RestAuthDeps } from './require-auth';
import { parseOr400 } from './validate';
import type { TimelineEntryInput } from '../state/types';
import type { RouteDoc } from './route-doc';

const tokenRequestSchema = z.strictObject({ deviceId: deviceIdSchema, deviceType: deviceTypeSchema });
export const tokenAnswerSchema = z.object({
  ok: z.literal(true),
  token: z.string(),
  deviceId: z.string(),
  deviceType: deviceTypeSchema,
  /** DEVICE_TOKEN_EXPIRY as given, e.g. "24h". */
  expiresIn: z.string(),
});

export type TokenAnswer = z.output<typeof tokenAnswerSchema>;

export const authRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/device-token',
    tag: 'auth',
    summary: 'Mint a device token',
    description: 'Operators provision headsets, tablets and dashboards with the admin key; the token goes in the Socket.IO handshake.',
    auth: 'admin',
    body: { json: tokenRequestSchema },
    answer: tokenAnswerSchema,
  },
];

/**
 * POST /auth/device-token: operators provision devices with the admin API key.
 * Wrong keys are limited per client address by the limiter in `auth`, shared
 * with every other route that accepts the key.
 */
export function authRoutes(auth: RestAuthDeps, jsonLimit: string, audit: (entry: TimelineEntryInput) => void = () => undefined): Router {
  const { tokens } = auth;
  const router = Router();
  // Only the admin key may mint; device tokens are refused here (an empty type list).
  const adminOnly = requireAuth(auth, []);

  // The body is parsed only once the admin key has been checked.
  router.post('/auth/device-token', adminOnly, express.json({ limit: jsonLimit }), (req, res) => {
    const { deviceId, deviceType } = parseOr400(tokenRequestSchema, req.body, 'token request');
    audit({
      at: new Date(),
      kind: 'token.minted',
      deviceIds: [],
      actor: ADMIN_ACTOR,
      outcome: 'ok',
      details: { deviceId, deviceType },
    });
    res.json({
      ok: true,
      token: tokens.sign(deviceId, deviceType),
      deviceId,
      deviceType,
      expiresIn: tokens.expiresIn,
    } satisfies z.input<typeof tokenAnswerSchema>);
  });
  return router;
}

import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { deviceIdSchema, deviceTypeSchema, type TokenService } from '../auth';
import { requireAuth } from './require-auth';
import { parseOr400 } from './validate';

const tokenRequestSchema = z.strictObject({ deviceId: deviceIdSchema, deviceType: deviceTypeSchema });

export interface AuthRoutesDeps {
  tokens: TokenService;
  adminApiKey: string;
  requestsPerMinute: number;
  /** Largest JSON body, e.g. '200kb'. */
  jsonLimit: string;
}

/**
 * POST /auth/device-token: operators provision devices with the admin API key.
 * Failed attempts are rate-limited per client address, so the key cannot be
 * guessed; successful mints do not count, so provisioning a fleet is not slowed.
 */
export function authRoutes({ tokens, adminApiKey, requestsPerMinute, jsonLimit }: AuthRoutesDeps): Router {
  const router = Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    message: { ok: false, error: 'too many token requests; try again in a minute' },
  });
  // Only the admin key may mint; device tokens are refused here (an empty type list).
  const adminOnly = requireAuth({ tokens, adminApiKey }, []);

  // The body is parsed only once the admin key has been checked.
  router.post('/auth/device-token', limiter, adminOnly, express.json({ limit: jsonLimit }), (req, res) => {
    const { deviceId, deviceType } = parseOr400(tokenRequestSchema, req.body, 'token request');
    res.json({ ok: true, token: tokens.sign(deviceId, deviceType), deviceId, deviceType, expiresIn: tokens.expiresIn });
  });
  return router;
}

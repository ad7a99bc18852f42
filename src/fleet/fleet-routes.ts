import { Router } from 'express';
import type { DeviceService } from './device-service';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';
import { z } from 'zod';
import { deviceStateViewSchema } from '../protocol/views';
import type { RouteDoc } from '../http/route-doc';
import { fleetSummarySchema } from './views';

const devicesAnswerSchema = z.object({
  ok: z.literal(true),
  count: z.number().int(),
  /** DeviceState as on Socket.IO, without the socket ID. */
  devices: z.array(deviceStateViewSchema.omit({ socketId: true })),
});
const summaryAnswerSchema = z.object({ ok: z.literal(true), summary: fleetSummarySchema });

export type DevicesAnswer = z.output<typeof devicesAnswerSchema>;
export type SummaryAnswer = z.output<typeof summaryAnswerSchema>;

export const fleetRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/devices',
    tag: 'fleet',
    summary: 'Every known device with its presence, telemetry and lock',
    auth: ['dashboard', 'tablet'],
    answer: devicesAnswerSchema,
    errors: ['store_unavailable'],
  },
  {
    method: 'get',
    path: '/api/fleet/summary',
    tag: 'fleet',
    summary: 'Fleet counts: online, stale, recording, low battery, locked',
    auth: ['dashboard', 'tablet'],
    answer: summaryAnswerSchema,
    errors: ['store_unavailable'],
  },
];

/** GET /api/devices and GET /api/fleet/summary: for the admin key or a dashboard/tablet token. */
export function fleetRoutes(auth: RestAuthDeps, devices: DeviceService): Router {
  const router = Router();
  const dashboardOrTablet = requireAuth(auth, ['dashboard', 'tablet']);

  router.get('/api/devices', dashboardOrTablet, async (_req, res) => {
    const states = await devices.deviceStates();
    res.json({
      ok: true,
      count: states.length,
      devices: states.map(({ socketId: _socketId, ...device }) => device),
    } satisfies z.input<typeof devicesAnswerSchema>);
  });

  router.get('/api/fleet/summary', dashboardOrTablet, async (_req, res) => {
    res.json({ ok: true, summary: await devices.summary() } satisfies z.input<typeof summaryAnswerSchema>);
  });
  return router;
}

import express, { Router } from 'express';
import { deviceIdSchema } from '../domain/ids';
import { parseOr400 } from '../http/validate';
import { MAX_DEVICE_NAMES, renameDevice, type DeviceNameStore } from './device-names';
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
/** POST /api/devices/:deviceId/name: a name of 1-60 printable characters, or null to remove it. */
export const deviceNameBodySchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .regex(/^[^\p{C}]+$/u, { message: 'name must not hold control characters' })
    .nullable(),
});
const deviceNameAnswerSchema = z.object({ ok: z.literal(true), deviceId: z.string(), name: z.string().nullable() });

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
  {
    method: 'post',
    path: '/api/devices/:deviceId/name',
    tag: 'fleet',
    summary: 'Names a device for operators (null removes the name)',
    description:
      'For operators (a dashboard token or the admin key). The name is shown beside the device ID in GET /api/devices and the ' +
      `console; it outlives the device's record. Audited (rest.write) with the caller as actor. At most ${MAX_DEVICE_NAMES} devices are named.`,
    auth: ['dashboard'],
    params: { deviceId: deviceIdSchema },
    body: { json: deviceNameBodySchema },
    answer: deviceNameAnswerSchema,
    errors: ['invalid', 'role', 'quota_exceeded', 'store_unavailable'],
  },
];

/** GET /api/devices and GET /api/fleet/summary for the admin key or a dashboard/tablet token; POST .../name for operators. */
export function fleetRoutes(auth: RestAuthDeps, devices: DeviceService, names: DeviceNameStore): Router {
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

  router.post('/api/devices/:deviceId/name', requireAuth(auth, ['dashboard']), express.json({ limit: '1kb' }), async (req, res) => {
    const deviceId = parseOr400(deviceIdSchema, req.params.deviceId, 'deviceId');
    const { name } = parseOr400(deviceNameBodySchema, req.body, 'body');
    await renameDevice(names, deviceId, name);
    res.json({ ok: true, deviceId, name } satisfies z.input<typeof deviceNameAnswerSchema>);
  });

  router.get('/api/fleet/summary', dashboardOrTablet, async (_req, res) => {
    res.json({ ok: true, summary: await devices.summary() } satisfies z.input<typeof summaryAnswerSchema>);
  });
  return router;
}

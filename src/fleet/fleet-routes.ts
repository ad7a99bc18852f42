import { Router } from 'express';
import type { DeviceService } from './device-service';
import { requireAuth, type RestAuthDeps } from '../http/require-auth';

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
    });
  });

  router.get('/api/fleet/summary', dashboardOrTablet, async (_req, res) => {
    res.json({ ok: true, summary: await devices.summary() });
  });
  return router;
}

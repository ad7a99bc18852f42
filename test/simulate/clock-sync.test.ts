import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { TokenService } from '../../src/auth';
import type { SessionView } from '../../src/protocol';
import { SimulatedFleet } from '../../scripts/simulate';
import { eventually } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * Issue 33, item 4: simulated headsets with skewed, drifting clocks behind a
 * jittered link answer the server's clock measurement, honour a synchronized
 * start in their own clocks and report when they started; a simulated tablet
 * offers the synchronized start.
 */
const redis = useTestRedis();
/** The simulator's reference and the server's clock are one (WallClocks share the process's calibration); estimates are rounded to µs. */
const ROUNDING_MS = 0.001;

function fleetOf(server: CaptureServer, headsets: number) {
  const tokens = new TokenService(server.config.auth.jwtSecret, '1h');
  return new SimulatedFleet({
    url: server.url(),
    mintToken: async (deviceId, type) => tokens.sign(deviceId, type),
    headsets,
    tablets: 1,
    tabletSessions: false,
    fps: 0,
    seed: 33,
    idPrefix: 'CLK',
    clock: { maxOffsetMs: 2_000, maxDriftPpm: 50, minJitterMs: 2, maxJitterMs: 6 },
  });
}

describe.each(STORE_KINDS)('simulated headset clocks (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('are measured within the stated uncertainty, start at startAtDeviceTime and report it', async () => {
    const server = await make();
    const fleet = fleetOf(server, 3);
    try {
      await fleet.start();
      const estimates = await eventually(async () => {
        const got = await server.services.clock.estimates(fleet.headsetIds);
        if (got.size < 3) throw new Error(`${got.size} of 3 measured`);
        return got;
      });
      for (const headset of fleet.headsets) {
        const estimate = estimates.get(headset.deviceId)!;
        // Seconds off, as the options asked; the server knows it to within its bound.
        expect(Math.abs(headset.clock.profile.offsetMs)).toBeGreaterThan(10);
        const error = estimate.offsetMs - headset.clock.trueOffset(estimate.measuredAt);
        expect(Math.abs(error), JSON.stringify(estimate)).toBeLessThanOrEqual(estimate.uncertaintyMs + ROUNDING_MS);
      }

      const tablet = fleet.tablets[0]!;
      await eventually(async () => expect((await tablet.lock()).sort()).toEqual(fleet.headsetIds));
      const sessionId = await tablet.openSession(fleet.headsetIds);
      const { startAt, answer } = await tablet.startAllAt(700, 'sim-sync');
      expect(answer).toMatchObject({ ok: true, denied: [] });

      for (const headset of fleet.headsets) {
        const start = await eventually(async () => {
          const got = (await server.store.commands.get(`sim-sync.${headset.deviceId}`))?.start;
          if (!got) throw new Error(`${headset.deviceId} has not reported its start`);
          return got;
        });
        expect(start.startedAtDeviceTime).toBe(headset.lastStartedAtDeviceTime);
        // It started by its own clock at startAt, not when the command arrived: never before, in true time.
        const startedAt = headset.clock.referenceTimeOf(start.startedAtDeviceTime!);
        expect(startedAt - startAt).toBeGreaterThanOrEqual(-(start.clock!.uncertaintyMs + ROUNDING_MS + 1));
        expect(start.startErrorMs).toBeGreaterThanOrEqual(-1);
      }
      const res = await fetch(`${server.url()}/api/sessions/${sessionId}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
      expect(((await res.json()) as { session: SessionView }).session.startSpreadMs).toBeGreaterThanOrEqual(0);
    } finally {
      await fleet.stop(0);
    }
  });
});

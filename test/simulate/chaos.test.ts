import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { SimulatedFleet } from '../../scripts/simulate';
import { eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

describe('npm run simulate -- --chaos', () => {
  let server: CaptureServer | undefined;
  let fleet: SimulatedFleet | undefined;
  afterEach(async () => {
    await fleet?.stop(1_000);
    await server?.close();
  });

  it('provokes battery, tracking and offline alarms on the server, which clear afterwards', async () => {
    server = await startServer({
      env: { TOKEN_REQUESTS_PER_MINUTE: '1000', ALARM_TRACKING_LOST_MS: '200', ALARM_CHECK_INTERVAL_MS: '50' },
    });
    const s = server;
    fleet = new SimulatedFleet({
      url: s.url(),
      mintToken: async (deviceId, type) => s.tokens.sign(deviceId, type),
      headsets: 2,
      tablets: 1,
      fps: 0,
      telemetryIntervalMs: 200,
      sessionSeconds: 30,
      gapSeconds: 1,
      videoBytes: 64 * 1024,
      chaos: true,
      chaosIntervalMs: 400,
      seed: 1,
    });
    await fleet.start();
    const types = async () => new Set((await s.services.alarms.list({ limit: 500 })).alarms.map((a) => a.type));
    await eventually(async () => {
      const seen = await types();
      for (const t of ['battery_critical', 'tracking_lost', 'offline_while_locked']) expect(seen).toContain(t);
    }, 20_000);
    // A killed headset comes back after its act: its alarm clears.
    await eventually(async () => {
      const cleared = (await s.services.alarms.list({ limit: 500, state: 'cleared' })).alarms.map((a) => a.type);
      expect(cleared).toContain('offline_while_locked');
    }, 10_000);
  });
});

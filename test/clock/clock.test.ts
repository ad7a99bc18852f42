import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { DeviceStateView } from '../../src/protocol';
import { eventually, identifiedHeadset } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { skewedHeadset } from './skewed-headset';

/**
 * Issue 33, item 1: the server measures each identified headset's clock
 * (a burst at identify, then one exchange an interval), keeps the estimate in
 * the store for every process, and shows it in the device views.
 */
const redis = useTestRedis();
/**
 * The fake headset's clock and the server's are two WallClocks of this process, each calibrated on
 * its own (src/util/wall-clock.ts): on a busy machine they may disagree by a fraction of a millisecond.
 * The estimator's bound itself is checked exactly in clock-window.test.ts.
 */
const CALIBRATION_MS = 0.5;

async function devices(server: CaptureServer): Promise<DeviceStateView[]> {
  const res = await fetch(`${server.url()}/api/devices`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return ((await res.json()) as { devices: DeviceStateView[] }).devices;
}
const clockOf = async (server: CaptureServer, deviceId: string) => (await devices(server)).find((d) => d.deviceId === deviceId)?.clock;
/** The headset's estimate, once there is one. */
const measured = (server: CaptureServer, deviceId: string) =>
  eventually(async () => {
    const clock = await clockOf(server, deviceId);
    if (!clock) throw new Error(`${deviceId} not measured yet`);
    return clock;
  });

describe.each(STORE_KINDS)('headset clocks (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('measures a skewed, drifting headset clock within its stated uncertainty, and again every interval', async () => {
    const server = await make({ CLOCK_SYNC_INTERVAL_MS: '1000' });
    const headset = await skewedHeadset(server, 'H1', { offsetMs: 1_234.5, driftPpm: 80 });
    const first = await measured(server, 'H1');
    expect(first.samples).toBe(8);
    expect(Math.abs(first.offsetMs - headset.trueOffset(first.measuredAt))).toBeLessThanOrEqual(first.uncertaintyMs + CALIBRATION_MS);
    expect(first.rttMs).toBeGreaterThan(0);
    // One exchange a second afterwards: the window grows, the estimate stays within its bound.
    const later = await eventually(async () => {
      const c = (await clockOf(server, 'H1'))!;
      expect(c.samples).toBeGreaterThanOrEqual(10);
      return c;
    }, 5_000);
    expect(Math.abs(later.offsetMs - headset.trueOffset(later.measuredAt))).toBeLessThanOrEqual(later.uncertaintyMs + CALIBRATION_MS);
    expect(later.uncertaintyMs).toBeLessThan(25);
    // Dashboards hear a new estimate; the socket view carries it as GET /api/devices does.
    const dashboard = await identifiedDashboard(server);
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    const [states] = await dashboard.next('on-fleet-status-updated');
    expect(states.find((d) => d.deviceId === 'H1')?.clock?.samples).toBeGreaterThanOrEqual(10);
  });

  it('leaves a headset that never answers unmeasured (clock: null), working as before', async () => {
    const server = await make({ CLOCK_SYNC_TIMEOUT_MS: '200' });
    const headset = await identifiedHeadset(server, 'OLD_APP');
    await headset.next('on-time-sync');
    // The burst stops at the first unanswered exchange; the headset works as ever.
    await new Promise((r) => setTimeout(r, 400));
    expect(headset.count('on-time-sync')).toBe(1);
    expect(await clockOf(server, 'OLD_APP')).toBeNull();
    expect((await headset.ask('headset-status', 'ready')).ok).toBe(true);
  });

  it('raises clock_unsynced while the estimate is less sure than CLOCK_MAX_UNCERTAINTY_MS', async () => {
    const server = await make({ CLOCK_MAX_UNCERTAINTY_MS: '20' });
    await skewedHeadset(server, 'SLOW', { offsetMs: -500, answerDelayMs: 80 });
    await skewedHeadset(server, 'FAST', { offsetMs: 300 });
    await eventually(async () => {
      const open = await server.services.alarms.open(['SLOW', 'FAST']);
      expect(open.map((a) => [a.deviceId, a.type])).toEqual([['SLOW', 'clock_unsynced']]);
    });
    const slow = (await clockOf(server, 'SLOW'))!;
    expect(slow.uncertaintyMs).toBeGreaterThan(20);
  });
});

describe('headset clocks across processes', () => {
  const make = serverFactory('redis', redis);

  it('keeps the estimate in the store: another process reads it, and a reconnect measures again', async () => {
    const env = { REDIS_KEY_PREFIX: redis().uniquePrefix() };
    const [a, b] = [await make(env), await make(env)];
    const headset = await skewedHeadset(a, 'H1', { offsetMs: -7_000 });
    const seen = await measured(b, 'H1');
    expect(Math.abs(seen.offsetMs - headset.trueOffset(seen.measuredAt))).toBeLessThanOrEqual(seen.uncertaintyMs + CALIBRATION_MS);
    headset.client.close();
    const back = await skewedHeadset(b, 'H1', { offsetMs: -7_000 });
    await eventually(async () => expect((await clockOf(a, 'H1'))!.measuredAt).toBeGreaterThan(seen.measuredAt));
    expect(back.client.count('on-time-sync')).toBe(8);
  });
});

async function identifiedDashboard(server: CaptureServer) {
  const { connectClient } = await import('../helpers/clients');
  return connectClient(server, { deviceId: 'DASH', deviceType: 'dashboard' });
}

describe('the server time', () => {
  const make = serverFactory('memory', redis);

  it('answers server-time to any client with the server clock, read within the round trip', async () => {
    const server = await make();
    const { connectClient } = await import('../helpers/clients');
    const tablet = await connectClient(server, { deviceId: 'T1', deviceType: 'tablet' });
    const before = Date.now();
    const answer = await tablet.ask('server-time');
    const after = Date.now();
    expect(answer.ok).toBe(true);
    expect(answer.serverTime).toBeGreaterThanOrEqual(before);
    expect(answer.serverTime).toBeLessThanOrEqual(after + 1);
  });
});

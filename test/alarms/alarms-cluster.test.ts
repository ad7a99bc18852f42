import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, connectClient, identifiedHeadset, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();
const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Two processes of one cluster: one Redis, one key prefix. */
async function cluster(): Promise<[CaptureServer, CaptureServer]> {
  const env = {
    REDIS_URL: redis().url,
    REDIS_KEY_PREFIX: redis().uniquePrefix(),
    JWT_SECRET: 'alarm-cluster-jwt-secret-that-is-long-enough-0',
  };
  const pair = [await startServer({ env }), await startServer({ env })] as [CaptureServer, CaptureServer];
  servers.push(...pair);
  return pair;
}

async function dashboard(server: CaptureServer): Promise<TestClient> {
  const client = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
  expect((await client.ask('dashboard-subscribe')).ok).toBe(true);
  return client;
}

const raisedCount = async (server: CaptureServer) =>
  Number(/turing_alarms_raised_total\{type="battery_critical"\} (\d+)/.exec(await server.metrics.registry.metrics())?.[1] ?? 0);

describe('alarms on two processes', () => {
  it('raises each alarm once and every dashboard hears it once, whichever process evaluated it', async () => {
    const [a, b] = await cluster();
    const dashA = await dashboard(a);
    const dashB = await dashboard(b);

    // Both processes decide the same alarm at once: the store makes one.
    const raised = await Promise.all([
      a.services.alarms.raise('H1', 'battery_critical', 8, 'battery at 8 %'),
      b.services.alarms.raise('H1', 'battery_critical', 8, 'battery at 8 %'),
    ]);
    expect(raised[0]!.alarmId).toBe(raised[1]!.alarmId);
    await dashA.next('on-alarm-raised', (x) => x.alarmId === raised[0]!.alarmId);
    await dashB.next('on-alarm-raised', (x) => x.alarmId === raised[0]!.alarmId);
    // The other process's decision was a repeat.
    await dashA.next('on-alarm-updated', (x) => x.alarmId === raised[0]!.alarmId && x.count === 2);

    // The headset moves to the other process, which has never seen it: its first low reading repeats the open alarm.
    const onA = await identifiedHeadset(a, 'H1');
    expect((await onA.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.06 }))).ok).toBe(true);
    await dashB.next('on-alarm-updated', (x) => x.alarmId === raised[0]!.alarmId && x.value === 6);
    onA.close();
    const onB = await identifiedHeadset(b, 'H1');
    expect((await onB.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.05 }))).ok).toBe(true);
    await dashA.next('on-alarm-updated', (x) => x.alarmId === raised[0]!.alarmId && x.value === 5);
    // And the process that never saw it raised clears it when the battery recovers.
    expect((await onB.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.5 }))).ok).toBe(true);
    await dashA.next('on-alarm-cleared', (x) => x.alarmId === raised[0]!.alarmId);
    await dashB.next('on-alarm-cleared', (x) => x.alarmId === raised[0]!.alarmId);

    expect(dashA.count('on-alarm-raised') + dashB.count('on-alarm-raised')).toBe(2);
    expect(dashA.count('on-alarm-cleared')).toBe(1);
    expect((await raisedCount(a)) + (await raisedCount(b))).toBe(1);
  });
});

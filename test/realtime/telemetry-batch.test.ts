import { describe, expect, it } from 'vitest';
import type { TelemetryUpdate } from '../../src/protocol';
import { connectClient, eventually, identifiedHeadset, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { serverFactory, startServer, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();
/** Short, so a batch arrives quickly; nothing below waits for a time, only for events. */
const BATCH_ENV = { TELEMETRY_BATCH_MS: '50' };

type Batch = { updates: TelemetryUpdate[]; intervalMs: number };
const batches = (c: TestClient): Batch[] => c.received.filter((r) => r.event === 'on-fleet-telemetry-batch').map((r) => r.args[0] as Batch);
const batchedUpdates = (c: TestClient) => batches(c).flatMap((b) => b.updates);
const perUpdate = (c: TestClient) =>
  c.received.filter((r) => r.event === 'on-device-telemetry-updated').map((r) => r.args[0] as TelemetryUpdate);

describe('batched telemetry subscription (one process, Redis store)', () => {
  const server = serverFactory('redis', redis, BATCH_ENV);

  it('sends batched dashboards the latest update of each changed device, and per-update dashboards every update', async () => {
    const s = await server();
    const batched = await connectClient(s, { deviceId: 'DASH_B', deviceType: 'dashboard' });
    const classic = await connectClient(s, { deviceId: 'DASH_C', deviceType: 'dashboard' });
    expect(await batched.ask('dashboard-subscribe', { telemetry: 'batched' })).toMatchObject({ ok: true, telemetry: 'batched' });
    // The spec's payload-less subscribe is unchanged, answer included.
    expect(await classic.ask('dashboard-subscribe')).toEqual({ ok: true, devices: 0 });

    const a = await identifiedHeadset(s, 'QUEST_001');
    const b = await identifiedHeadset(s, 'QUEST_002');
    for (let i = 1; i <= 3; i++) await a.ask('device-telemetry', telemetry('QUEST_001', { frameCount: i }));
    await b.ask('device-telemetry', telemetry('QUEST_002', { frameCount: 7 }));

    await eventually(() => expect(perUpdate(classic)).toHaveLength(4));
    await eventually(() => {
      const latest = new Map(batchedUpdates(batched).map((u) => [u.deviceId, u.telemetry?.frameCount]));
      expect(latest).toEqual(
        new Map([
          ['QUEST_001', 3],
          ['QUEST_002', 7],
        ]),
      );
    });
    // Each update in a batch is the per-update event's shape; a batch names a device at most once.
    for (const batch of batches(batched)) {
      expect(batch.intervalMs).toBe(50);
      expect(new Set(batch.updates.map((u) => u.deviceId)).size).toBe(batch.updates.length);
      expect(batch.updates[0]).toMatchObject({ isOnline: true, isStale: false, isLocked: false });
    }
    expect(perUpdate(batched)).toHaveLength(0);
    expect(batches(classic)).toHaveLength(0);
  });

  it('still sends one watched headset per update to a batched dashboard, once; switching back stops the batches', async () => {
    const s = await server();
    const dash = await connectClient(s, { deviceId: 'DASH_W', deviceType: 'dashboard' });
    await dash.ask('dashboard-subscribe', { telemetry: 'batched' });
    const headset = await identifiedHeadset(s, 'QUEST_010');
    await dash.ask('dashboard-watch-device', 'QUEST_010');
    await headset.ask('device-telemetry', telemetry('QUEST_010', { frameCount: 1 }));
    await eventually(() => expect(perUpdate(dash).map((u) => u.telemetry?.frameCount)).toEqual([1]));
    await eventually(() => expect(batchedUpdates(dash).map((u) => u.telemetry?.frameCount)).toEqual([1]));

    // Per update again (the spec's subscribe): a watcher that is also a per-update dashboard gets each update once.
    await dash.ask('dashboard-subscribe');
    const batchesBefore = batches(dash).length;
    await headset.ask('device-telemetry', telemetry('QUEST_010', { frameCount: 2 }));
    await headset.ask('device-telemetry', telemetry('QUEST_010', { frameCount: 3 }));
    await eventually(() => expect(perUpdate(dash).map((u) => u.telemetry?.frameCount)).toEqual([1, 2, 3]));
    // A batched probe's batch carrying frame 4 is the same broadcast a still-batched dashboard would get.
    const probe = await connectClient(s, { deviceId: 'DASH_PROBE', deviceType: 'dashboard' });
    await probe.ask('dashboard-subscribe', { telemetry: 'batched' });
    await headset.ask('device-telemetry', telemetry('QUEST_010', { frameCount: 4 }));
    await eventually(() => expect(batchedUpdates(probe).some((u) => u.telemetry?.frameCount === 4)).toBe(true));
    expect(batches(dash)).toHaveLength(batchesBefore);
  });

  it('refuses options it does not know, and keeps accepting what the spec allowed', async () => {
    const s = await server();
    const dash = await connectClient(s, { deviceId: 'DASH_X', deviceType: 'dashboard' });
    expect(await dash.ask('dashboard-subscribe', { telemetry: 'sometimes' })).toMatchObject({ ok: false });
    expect(await dash.ask('dashboard-subscribe', 'legacy-extra-argument')).toEqual({ ok: true, devices: 0 });
    expect(await dash.ask('dashboard-subscribe', {})).toEqual({ ok: true, devices: 0 });
  });
});

describe('batched telemetry across processes', () => {
  it('reaches a batched dashboard on another process with every device of both processes', async () => {
    const prefix = redis().uniquePrefix();
    const env = { ...BATCH_ENV, REDIS_URL: redis().url, REDIS_KEY_PREFIX: prefix };
    const a = await startServer({ env });
    const b = await startServer({ env });
    try {
      const dash = await connectClient(b, { deviceId: 'DASH_CLUSTER', deviceType: 'dashboard' });
      await dash.ask('dashboard-subscribe', { telemetry: 'batched' });
      const onA = await identifiedHeadset(a, 'QUEST_A');
      const onB = await identifiedHeadset(b, 'QUEST_B');
      await onA.ask('device-telemetry', telemetry('QUEST_A', { frameCount: 11 }));
      await onB.ask('device-telemetry', telemetry('QUEST_B', { frameCount: 22 }));
      await eventually(() => {
        const latest = new Map(batchedUpdates(dash).map((u) => [u.deviceId, u.telemetry?.frameCount]));
        expect(latest.get('QUEST_A')).toBe(11);
        expect(latest.get('QUEST_B')).toBe(22);
      });
      // Each update reached it exactly once (in one process's batch), never also per update.
      expect(batchedUpdates(dash)).toHaveLength(2);
      expect(perUpdate(dash)).toHaveLength(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer, useTestRedis } from '../helpers/test-server';
import { closeAllClients, connectClient, eventually, identifiedHeadset, sleep } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { wireEvent } from '../../src/realtime/pre-encoded';

const redis = useTestRedis();
const JWT_SECRET = 'alone-test-jwt-secret-that-is-long-enough-0123';

const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function processOf(prefix: string, env: Record<string, string> = {}): Promise<CaptureServer> {
  const server = await startServer({ env: { REDIS_URL: redis().url, REDIS_KEY_PREFIX: prefix, JWT_SECRET, ...env } });
  servers.push(server);
  return server;
}

/** The Redis adapter's publishes of one server (what would cross to other processes). */
function publishesOf(server: CaptureServer) {
  const adapter = server.io.of('/').adapter as unknown as { doPublish(message: unknown): Promise<string> };
  return vi.spyOn(adapter, 'doPublish');
}

/** How many of those publishes were broadcasts to `room`. */
function broadcastsTo(published: ReturnType<typeof publishesOf>, room: string): number {
  return published.mock.calls.filter(([message]) => {
    const { type, data } = message as { type: number; data?: { opts?: { rooms?: string[] } } };
    return type === 3 && data?.opts?.rooms?.includes(room) === true; // 3: socket.io-adapter's BROADCAST
  }).length;
}

/**
 * With Redis, a server keeps its broadcasts in memory while no other process shares
 * its Redis and prefix, and goes through Redis as soon as one joins, before the
 * newcomer's first client can subscribe to anything.
 */
describe('one process on Redis', () => {
  it('delivers broadcasts without Redis while alone, through Redis once another process joins, and alone again after it leaves', async () => {
    const prefix = redis().uniquePrefix();
    const a = await processOf(prefix);
    const published = publishesOf(a);
    const headset = await identifiedHeadset(a, 'QUEST_001');
    const local = await connectClient(a, { deviceId: 'DASH_A', deviceType: 'dashboard' });
    expect((await local.ask('dashboard-subscribe')).ok).toBe(true);
    await headset.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.41 }));
    await local.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.41);
    expect(published).not.toHaveBeenCalled();

    // A second process: its dashboard gets A's telemetry from the first update after it subscribed.
    const b = await processOf(prefix);
    const remote = await connectClient(b, { deviceId: 'DASH_B', deviceType: 'dashboard' });
    expect((await remote.ask('dashboard-subscribe')).ok).toBe(true);
    await headset.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.42 }));
    await remote.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.42);
    await local.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.42);
    expect(published).toHaveBeenCalled();

    // B leaves: A finds itself alone at its next check (every 2 s) and stops publishing.
    await b.close();
    servers.splice(servers.indexOf(b), 1);
    let level = 0.5;
    await eventually(async () => {
      await sleep(250); // within the socket rate limit
      published.mockClear();
      level += 0.01;
      const sent = Number(level.toFixed(2));
      expect((await headset.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: sent }))).ok).toBe(true);
      await local.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === sent);
      expect(published).not.toHaveBeenCalled();
    }, 8_000);
  });

  it('does not count a process of another key prefix on the same Redis', async () => {
    const a = await processOf(redis().uniquePrefix());
    await processOf(redis().uniquePrefix());
    const published = publishesOf(a);
    const headset = await identifiedHeadset(a, 'QUEST_002');
    const dashboard = await connectClient(a, { deviceId: 'DASH_A', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    await headset.ask('device-telemetry', telemetry('QUEST_002', { batteryLevel: 0.33 }));
    await dashboard.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.33);
    expect(published).not.toHaveBeenCalled();
  });

  it('publishes a headset’s watch-room broadcasts only while another process has watchers of it', async () => {
    const prefix = redis().uniquePrefix();
    const a = await processOf(prefix);
    const b = await processOf(prefix);
    const published = publishesOf(a);
    const toWatchers = () => broadcastsTo(published, 'watch:QUEST_003');
    const headset = await identifiedHeadset(a, 'QUEST_003');
    let level = 0.5;
    const report = async () => {
      level = Number((level + 0.01).toFixed(2));
      expect((await headset.ask('device-telemetry', telemetry('QUEST_003', { batteryLevel: level }))).ok).toBe(true);
      return level;
    };

    // A watcher on A only: once its room has been counted (one or two check intervals), nothing is published for it.
    const watcherHere = await connectClient(a, { deviceId: 'DASH_A', deviceType: 'dashboard' });
    expect((await watcherHere.ask('dashboard-watch-device', 'QUEST_003')).ok).toBe(true);
    await eventually(async () => {
      await sleep(250); // within the socket rate limit
      published.mockClear();
      const sent = await report();
      await watcherHere.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === sent);
      expect(toWatchers()).toBe(0);
    }, 10_000);

    // A watcher on B: from the next update on, A publishes, and B's watcher gets telemetry and frames.
    const watcherThere = await connectClient(b, { deviceId: 'DASH_B', deviceType: 'dashboard' });
    expect((await watcherThere.ask('dashboard-watch-device', 'QUEST_003')).ok).toBe(true);
    const sent = await report();
    await watcherThere.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === sent);
    await watcherHere.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === sent);
    headset.socket.emit('headset-frame', Buffer.from([7]));
    await watcherThere.next('on-headset-frame-updated', (frame) => Buffer.from(frame as Buffer)[0] === 7);
    expect(toWatchers()).toBeGreaterThanOrEqual(2);
  });

  it('drops its own publishes unread and still hears the other processes', async () => {
    const prefix = redis().uniquePrefix();
    const a = await processOf(prefix, { TELEMETRY_BATCH_MS: '50' });
    const b = await processOf(prefix, { TELEMETRY_BATCH_MS: '50' });
    type Adapter = { uid: string; onMessage(message: { uid?: string }): void };
    const adapterOf = (server: CaptureServer) => server.io.of('/').adapter as unknown as Adapter;
    const heardByA = vi.spyOn(adapterOf(a), 'onMessage');
    const publishedByA = publishesOf(a);
    const dashboards = await Promise.all(
      [a, b].map(async (server, i) => {
        const dashboard = await connectClient(server, { deviceId: `DASH_${i}`, deviceType: 'dashboard' });
        expect((await dashboard.ask('dashboard-subscribe', { telemetry: 'batched' })).ok).toBe(true);
        return dashboard;
      }),
    );
    const onA = await identifiedHeadset(a, 'QUEST_A');
    const onB = await identifiedHeadset(b, 'QUEST_B');
    expect((await onA.ask('device-telemetry', telemetry('QUEST_A', { batteryLevel: 0.61 }))).ok).toBe(true);
    expect((await onB.ask('device-telemetry', telemetry('QUEST_B', { batteryLevel: 0.62 }))).ok).toBe(true);
    type Batch = { updates: Array<{ deviceId: string }> };
    for (const dashboard of dashboards) {
      for (const id of ['QUEST_A', 'QUEST_B']) {
        await dashboard.next('on-fleet-telemetry-batch', (batch) => (batch as Batch).updates.some((u) => u.deviceId === id));
      }
    }
    const senders = heardByA.mock.calls.map(([message]) => message.uid);
    expect(senders).toContain(adapterOf(b).uid);
    expect(senders).not.toContain(adapterOf(a).uid);
    // A batch crosses Redis as the JSON text it is sent as (no per-update encoding there and decoding here).
    const batchArgs = publishedByA.mock.calls
      .map(([message]) => (message as { data?: { packet?: { data?: unknown[] } } }).data?.packet?.data)
      .filter((data) => wireEvent(data) === 'on-fleet-telemetry-batch');
    expect(batchArgs.length).toBeGreaterThan(0);
    for (const data of batchArgs) expect(typeof data![1]).toBe('string');
  });

  it('publishes per-update dashboard telemetry only while another process has such a dashboard', async () => {
    const prefix = redis().uniquePrefix();
    const a = await processOf(prefix, { TELEMETRY_BATCH_MS: '50' });
    const b = await processOf(prefix);
    const published = publishesOf(a);
    const toPerUpdateDashboards = () => broadcastsTo(published, 'dashboards:telemetry');
    const headset = await identifiedHeadset(a, 'QUEST_004');
    const batched = await connectClient(a, { deviceId: 'DASH_A', deviceType: 'dashboard' });
    expect((await batched.ask('dashboard-subscribe', { telemetry: 'batched' })).ok).toBe(true);
    type Batch = { updates: Array<{ telemetry?: { batteryLevel?: number } }> };
    await eventually(async () => {
      await sleep(250); // within the socket rate limit; past the count that follows B's announcement
      published.mockClear();
      expect((await headset.ask('device-telemetry', telemetry('QUEST_004', { batteryLevel: 0.81 }))).ok).toBe(true);
      await batched.next('on-fleet-telemetry-batch', (batch) => (batch as Batch).updates.some((u) => u.telemetry?.batteryLevel === 0.81));
      expect(toPerUpdateDashboards()).toBe(0);
    }, 8_000);

    const perUpdate = await connectClient(b, { deviceId: 'DASH_B', deviceType: 'dashboard' });
    expect((await perUpdate.ask('dashboard-subscribe')).ok).toBe(true);
    expect((await headset.ask('device-telemetry', telemetry('QUEST_004', { batteryLevel: 0.82 }))).ok).toBe(true);
    await perUpdate.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.82);
    expect(toPerUpdateDashboards()).toBe(1);
  });
});

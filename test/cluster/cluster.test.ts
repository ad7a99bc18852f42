import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer, useTestRedis } from '../helpers/test-server';
import { closeAllClients, connectClient, eventually, identifiedHeadset, sleep, tabletClient } from '../helpers/clients';
import { freePort, startTestRedis } from '../helpers/redis-server';
import { telemetry } from '../helpers/fixtures';

const redis = useTestRedis();
const JWT_SECRET = 'cluster-test-jwt-secret-that-is-long-enough-01';
const ROOT = path.resolve(__dirname, '../..');

const servers: CaptureServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  closeAllClients();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Servers sharing one Redis and prefix: processes of one cluster. */
async function cluster(count: number, env: Record<string, string> = {}, url = redis().url, prefix = redis().uniquePrefix()) {
  const started: CaptureServer[] = [];
  for (let i = 0; i < count; i++) {
    const server = await startServer({ env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix, JWT_SECRET, ...env } });
    servers.push(server);
    started.push(server);
  }
  return { servers: started, prefix };
}

/** A server as a separate OS process (so it can be SIGKILLed), in the same cluster. */
async function processServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  // node with tsx's loader, not the tsx CLI: the CLI runs the server in a child
  // process, so a SIGKILL would kill only the wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      ENV_FILE: '/nonexistent/.env',
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-cluster-')),
      JWT_SECRET,
      ADMIN_API_KEY: 'cluster-test-admin-key-0123456789',
      ...env,
    },
    stdio: 'ignore',
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => expect((await fetch(`${url}/test`)).status).toBe(200), 20_000);
  return { url, child };
}

/** connectClient wants a CaptureServer; for a child process only the URL and the shared secret matter. */
function remote(url: string, reference: CaptureServer): CaptureServer {
  return { ...reference, url: () => url };
}

describe('several processes on one Redis', () => {
  it('gives a headset on A to exactly one of the tablets racing on B and C; commands and telemetry cross processes', async () => {
    const {
      servers: [a, b, c],
    } = await cluster(3);
    const headset = await identifiedHeadset(a!, 'QUEST_001');
    const dashboard = await connectClient(c!, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    await eventually(async () => expect((await b!.store.devices.get('QUEST_001'))?.isOnline).toBe(true));

    const onB = await Promise.all(Array.from({ length: 5 }, (_, i) => tabletClient(b!, `TABLET_B${i}`)));
    const onC = await Promise.all(Array.from({ length: 5 }, (_, i) => tabletClient(c!, `TABLET_C${i}`)));
    const tablets = [...onB, ...onC];
    const answers = await Promise.all(tablets.map((t) => t.ask('tablet-lock-device', 'QUEST_001')));
    expect(answers.filter((x) => x.ok)).toHaveLength(1);
    const winner = tablets[answers.findIndex((x) => x.ok)]!;

    // The winner's command reaches the headset on another process; its confirmation comes back.
    expect(await winner.ask('tablet-start-recording', 'QUEST_001')).toMatchObject({ ok: true });
    await headset.next('on-tablet-start-recording');
    await headset.ask('headset-recording-state', true);
    await winner.next('on-device-recording-changed', (p) => p.isRecording);
    // Telemetry from A reaches the dashboard on C and the lock holder wherever it is.
    await headset.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.61 }));
    await dashboard.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.61);
    await winner.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.61);
    // Lock broadcasts reach tablets on every process.
    for (const t of tablets) await t.next('on-device-locks-updated', (l) => l.some((s) => s.isLocked));
  });

  it('relays a headset’s frames on A to its viewers on B and C, in order', async () => {
    const {
      servers: [a, b, c],
    } = await cluster(3);
    const headset = await identifiedHeadset(a!, 'QUEST_001');
    const holder = await tabletClient(b!, 'TABLET_B');
    await holder.ask('tablet-lock-device', 'QUEST_001');
    const dashboard = await connectClient(c!, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-watch-device', 'QUEST_001');
    const bystander = await tabletClient(c!, 'TABLET_C');
    await sleep(200); // room joins cross processes through Redis
    for (let i = 0; i < 15; i++) {
      headset.socket.emit('headset-frame', Buffer.from([i]));
      await sleep(34);
    }
    const seq = (client: typeof holder) =>
      client.received.filter((r) => r.event === 'on-headset-frame-updated').map((r) => (r.args[0] as Buffer)[0]!);
    await eventually(() => expect(seq(holder).length).toBeGreaterThanOrEqual(12));
    await eventually(() => expect(seq(dashboard).length).toBeGreaterThanOrEqual(12));
    for (const client of [holder, dashboard]) {
      const frames = seq(client);
      expect(frames).toEqual([...frames].sort((x, y) => x - y));
      expect(client.received.find((r) => r.event === 'on-headset-frame-updated')!.args[1]).toBe('QUEST_001');
    }
    expect(seq(bystander)).toEqual([]);
  });

  it('lets a tablet that reconnects to another process keep its locks and its view', async () => {
    const {
      servers: [a, b],
    } = await cluster(2);
    const headset = await identifiedHeadset(a!, 'QUEST_001');
    const first = await tabletClient(a!, 'TABLET_1');
    await first.ask('tablet-lock-device', 'QUEST_001');
    first.close();
    const again = await tabletClient(b!, 'TABLET_1');
    await sleep(200);
    expect(await again.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true, refreshed: true });
    await headset.ask('headset-status', 'still here');
    expect(await again.next('on-headset-status-updated')).toEqual(['still here', 'QUEST_001']);
  });

  it('runs cluster-wide jobs on one process at a time', async () => {
    const {
      servers: [a, b],
    } = await cluster(2, { DEVICE_STALE_MS: '300' });
    const dashboard = await connectClient(b!, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    await identifiedHeadset(a!, 'QUEST_001');
    // The headset goes stale: exactly one process notices and announces it once.
    await dashboard.next('on-device-presence-changed', (p) => p.status === 'stale', 5_000);
    await sleep(1_500);
    expect(
      dashboard.received.filter((r) => r.event === 'on-device-presence-changed' && (r.args[0] as { status: string }).status === 'stale'),
    ).toHaveLength(1);
  });
});

describe('a process that dies', () => {
  it('leaves nothing held: its headsets go offline on the others, its tablets’ locks follow the grace rule', async () => {
    const prefix = redis().uniquePrefix();
    const env = { REDIS_URL: redis().url, REDIS_KEY_PREFIX: prefix, ORPHAN_SWEEP_INTERVAL_MS: '300', LOCK_GRACE_MS: '800' };
    const {
      servers: [b, c],
    } = await cluster(2, env, redis().url, prefix);
    const a = await processServer(env);
    const onA = remote(a.url, b!);

    const headset = await identifiedHeadset(onA, 'QUEST_001');
    const tabletOnB = await tabletClient(b!, 'TABLET_B');
    expect(await tabletOnB.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true });
    await identifiedHeadset(b!, 'QUEST_002');
    const tabletOnA = await tabletClient(onA, 'TABLET_A');
    expect(await tabletOnA.ask('tablet-lock-device', 'QUEST_002')).toMatchObject({ ok: true });
    const dashboard = await connectClient(c!, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');

    a.child.kill('SIGKILL');
    headset.socket.io.opts.reconnection = false;
    // Its headset is offline on B and C within the bound (sweep interval + grace), and its holder told.
    await dashboard.next('on-device-presence-changed', (p) => p.deviceId === 'QUEST_001' && p.status === 'offline', 10_000);
    expect(await tabletOnB.next('on-device-disconnected', undefined, 10_000)).toEqual([{ deviceId: 'QUEST_001' }]);
    expect((await c!.store.devices.get('QUEST_001'))!.isOnline).toBe(false);
    expect((await b!.store.locks.get('QUEST_001'))!.tabletId).toBe('TABLET_B');
    // Its tablet's lock is released once the grace period passes without the tablet returning.
    await eventually(async () => expect(await b!.store.locks.get('QUEST_002')).toBeNull(), 10_000);
    await tabletOnB.next('on-device-locks-updated', (l) => l.some((s) => s.deviceId === 'QUEST_002' && !s.isLocked), 10_000);
  });
});

describe('Redis going away and coming back', () => {
  it('keeps every process up, answers 503 and clear errors while down, and resumes without a restart', async () => {
    const own = await startTestRedis();
    if (!own.kill || !own.start) {
      await own.stop();
      return; // REDIS_URL points at a shared server this test must not stop.
    }
    try {
      const {
        servers: [a, b],
      } = await cluster(2, {}, own.url, 'fault:');
      const headset = await identifiedHeadset(a!, 'QUEST_001');
      const tablet = await tabletClient(b!, 'TABLET_1');
      expect((await fetch(`${a!.url()}/health`)).status).toBe(200);

      await own.kill();
      for (const s of [a!, b!]) {
        const health = await fetch(`${s.url()}/health`);
        expect(health.status).toBe(503);
      }
      // An event that needs state answers with an error instead of hanging.
      const started = Date.now();
      expect(await tablet.ask('tablet-lock-device', 'QUEST_001')).toEqual({
        ok: false,
        code: 'store_unavailable',
        error: 'state store is unavailable; try again shortly',
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      const rest = await fetch(`${b!.url()}/api/devices`, { headers: { 'x-api-key': b!.config.auth.adminApiKey } });
      expect(rest.status).toBe(503);
      expect(await rest.json()).toEqual({ ok: false, code: 'store_unavailable', error: 'state store is unavailable; try again shortly' });

      await own.start();
      await eventually(async () => expect((await fetch(`${a!.url()}/health`)).status).toBe(200), 15_000);
      await eventually(async () => expect((await fetch(`${b!.url()}/health`)).status).toBe(200), 15_000);
      // The restarted Redis kept nothing (no persistence in tests): the headset registers again.
      await eventually(async () => expect(await headset.ask('headset-identify', 'QUEST_001')).toMatchObject({ ok: true }), 15_000);
      expect(await tablet.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true });
      // Broadcasts cross processes again: the adapter resubscribed.
      await headset.ask('headset-status', 'back');
      await eventually(async () => {
        await headset.ask('headset-status', 'back');
        expect(tablet.count('on-headset-status-updated')).toBeGreaterThan(0);
      }, 15_000);
    } finally {
      await own.stop();
    }
  });
});

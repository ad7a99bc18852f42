import Redis from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, eventually, identifiedHeadset, tabletClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startServer } from '../helpers/test-server';

/**
 * Issue 17 item 5: Redis comes back without its data (here: FLUSHALL) while
 * headsets and tablets stay connected. Their sockets never drop, so nobody
 * identifies again; the server puts back what its open connections stand for.
 */
let redis: TestRedis | undefined;
let server: CaptureServer | undefined;
let raw: Redis | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  raw?.disconnect();
});
afterAll(async () => {
  await redis?.stop();
});

async function fleet() {
  redis ??= await startTestRedis();
  const prefix = redis.uniquePrefix();
  server = await startServer({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, ORPHAN_SWEEP_INTERVAL_MS: '200' } });
  raw = new Redis(redis.url);
  const headsets = [await identifiedHeadset(server, 'QUEST_001'), await identifiedHeadset(server, 'QUEST_002')];
  const tablet = await tabletClient(server, 'TABLET_A');
  expect((await tablet.ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
  // Everything under this test's prefix, as a restart without data would leave it.
  const wipe = async () => {
    const keys = await raw!.keys(`${prefix}*`);
    if (keys.length > 0) await raw!.del(...keys);
  };
  return { server, headsets, tablet, wipe };
}

describe('the store losing its data under a connected fleet', () => {
  it('answers a headset whose record vanished at once, and restores every identified headset and held lock', async () => {
    const { server, headsets, tablet, wipe } = await fleet();
    const admin = { 'x-api-key': server.config.auth.adminApiKey };
    await wipe();

    // The first telemetry after the loss is accepted (its device registered again), not "send headset-identify again".
    expect(await headsets[0]!.ask('device-telemetry', telemetry('QUEST_001'))).toEqual({ ok: true });
    await eventually(async () => {
      const devices = (await (await fetch(`${server.url()}/api/devices`, { headers: admin })).json()) as {
        devices: Array<{ deviceId: string; isOnline: boolean }>;
      };
      expect(devices.devices.map((d) => [d.deviceId, d.isOnline])).toEqual([
        ['QUEST_001', true],
        ['QUEST_002', true],
      ]);
      expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_A');
    });
    // Requests answer as before the loss.
    expect((await tablet.ask('tablet-lock-device', 'QUEST_002')).ok).toBe(true);
    const rival = await tabletClient(server, 'TABLET_B');
    expect(await rival.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/locked by another tablet \(TABLET_A\)/),
    });
    expect(await headsets[1]!.ask('device-telemetry', telemetry('QUEST_002'))).toEqual({ ok: true });
  });

  it('restores them when Redis restarts without its data', async () => {
    const { server, headsets, tablet } = await fleet();
    if (!redis!.restart) return expect.fail('needs a test Redis this test may restart (unset REDIS_URL)');
    await redis!.restart();
    await eventually(async () => {
      expect(await headsets[1]!.ask('device-telemetry', telemetry('QUEST_002'))).toEqual({ ok: true });
      expect((await server.store.devices.get('QUEST_001'))?.isOnline).toBe(true);
      expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_A');
    }, 15_000);
    expect((await tablet.ask('tablet-lock-device', 'QUEST_002')).ok).toBe(true);
  }, 30_000);

  it('releases with notice a lock another tablet took while the store was empty', async () => {
    const { server, tablet, wipe } = await fleet();
    await wipe();
    // Another tablet got there first (through another process, say).
    expect((await server.store.locks.acquire('QUEST_001', 'TABLET_B')).outcome).toBe('acquired');
    expect(await tablet.next('on-device-unlocked', (p) => p.deviceId === 'QUEST_001')).toEqual([{ deviceId: 'QUEST_001' }]);
    expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_B');
    // The tablet no longer follows the headset as its holder.
    await eventually(async () => {
      const socket = server.io.of('/').sockets.get(tablet.socket.id!)!;
      expect(socket.rooms.has('holder:QUEST_001')).toBe(false);
    });
  });
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, eventually, identifiedHeadset, tabletClient } from '../helpers/clients';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startServer } from '../helpers/test-server';
import { watchProcess } from '../fuzz/invariants';

/**
 * Redis goes away under a connected fleet and comes back: every request is
 * answered (an error, not silence), nothing escapes as an unhandled rejection,
 * and the server works again once Redis is back.
 */
let redis: TestRedis | undefined;
let server: CaptureServer | undefined;
const watch = watchProcess();
afterEach(async () => {
  closeAllClients();
  await server?.close();
  await redis?.stop();
});
afterAll(() => watch.stop());

describe('Redis outage', () => {
  it('answers sockets and REST with errors while Redis is down, never crashes, and recovers when it returns', async () => {
    redis = await startTestRedis();
    if (!redis.kill || !redis.start) return expect.fail('needs a test Redis this test may stop (unset REDIS_URL)');
    server = await startServer({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() } });
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const tablet = await tabletClient(server, 'TABLET_A');
    expect((await tablet.ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    const admin = { 'x-api-key': server.config.auth.adminApiKey };

    await redis.kill();
    const [lock, session, telemetry] = await Promise.all([
      tablet.ask('tablet-lock-device', 'QUEST_002'),
      tablet.ask('tablet-create-session', { deviceIds: ['QUEST_001'] }),
      headset.ask('device-telemetry', { deviceId: 'QUEST_001', timestamp: Date.now(), batteryLevel: 0.5 }),
    ]);
    for (const answer of [lock, session, telemetry]) expect(answer.ok).toBe(false);
    const headsetAuth = { authorization: `Bearer ${server.tokens.sign('QUEST_001', 'headset')}` };
    const upload = { timestamp: '20260206_143052', fileType: 'video', fileSize: 1000 };
    const requests: Array<[string, RequestInit]> = [
      ['/api/devices', { headers: admin }],
      ['/api/sessions', { headers: admin }],
      ['/api/sessions/session_1', { headers: admin }],
      ['/api/fleet/summary', { headers: admin }],
      [
        '/chunked-upload/start',
        { method: 'POST', headers: { ...headsetAuth, 'content-type': 'application/json' }, body: JSON.stringify(upload) },
      ],
    ];
    await Promise.all(
      requests.map(async ([route, init]) => {
        const res = await fetch(`${server!.url()}${route}`, init);
        expect(res.status, route).toBe(503);
        expect(await res.text()).not.toMatch(/\bat \S+ \(/);
      }),
    );
    expect((await fetch(`${server.url()}/health`)).status).toBe(503);
    // Connecting needs no Redis: a tablet arriving now is admitted.
    const late = await tabletClient(server, 'TABLET_B');
    expect(late.socket.connected).toBe(true);

    await redis.start();
    await eventually(async () => expect((await fetch(`${server!.url()}/health`)).status).toBe(200), 15_000);
    // This test Redis keeps nothing on disk, so the headset identifies again; then everything works.
    expect((await headset.ask('headset-identify', 'QUEST_001')).ok).toBe(true);
    expect((await tablet.ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    expect((await fetch(`${server.url()}/api/devices`, { headers: admin })).status).toBe(200);
    expect(watch.failures).toEqual([]);
  }, 60_000);
});

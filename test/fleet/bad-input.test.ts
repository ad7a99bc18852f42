import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer, STORE_KINDS } from '../helpers/test-server';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { closeAllClients, connectClient, sleep } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const badTelemetry: Array<[string, unknown]> = [
  ['a number', 42],
  ['null', null],
  ['an array', [telemetry('QUEST_001')]],
  ['a non-JSON string', '{battery: 1'],
  ['JSON of the wrong shape', '"just a string"'],
  ['batteryLevel as a string', telemetry('QUEST_001', { batteryLevel: '0.5' })],
  ['batteryLevel above 1', telemetry('QUEST_001', { batteryLevel: 1.5 })],
  ['negative storage', telemetry('QUEST_001', { storageUsedBytes: -1 })],
  ['wifi above 0 dBm', telemetry('QUEST_001', { wifiSignalLevel: 10 })],
  ['a fractional batteryState', telemetry('QUEST_001', { batteryState: 1.5 })],
  ['NaN-like confidence', telemetry('QUEST_001', { trackingConfidence: 'NaN' })],
  ['a huge string field', telemetry('QUEST_001', { wifiSSID: 'x'.repeat(100_000) })],
  ['an unknown key that is not a field name', telemetry('QUEST_001', { 'a b': 1 })],
  ['more than 32 unknown fields', telemetry('QUEST_001', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`f${i}`, i])))],
  ['a timestamp in seconds', telemetry('QUEST_001', { timestamp: Math.floor(Date.now() / 1000) })],
  ['a JSON string over 16 KB in bytes, under it in characters', JSON.stringify(telemetry('QUEST_001', { note: 'é'.repeat(9_000) }))],
  ['a __proto__ key', JSON.parse(`{"deviceId":"QUEST_001","timestamp":${Date.now()},"__proto__":{"polluted":true}}`)],
  ['a constructor key', { deviceId: 'QUEST_001', timestamp: Date.now(), constructor: { prototype: { polluted: true } } }],
  ['a __proto__ key in a JSON string', `{"deviceId":"QUEST_001","timestamp":${Date.now()},"__proto__":{"polluted":true}}`],
  ['a JSON string over 16 KB', JSON.stringify(telemetry('QUEST_001', { deviceName: 'x'.repeat(20_000) }))],
  ['another device ID', telemetry('QUEST_002')],
  ['a malformed device ID', telemetry('../../etc')],
  ['no timestamp', { deviceId: 'QUEST_001', batteryLevel: 0.5 }],
];

describe.each(STORE_KINDS)('bad input from clients on the %s store', (kind) => {
  let server: CaptureServer;
  beforeAll(async () => {
    const env: Record<string, string> = kind === 'redis' ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() } : {};
    server = await startServer({ env: { ...env, SOCKET_EVENT_BURST: '1000', SOCKET_EVENTS_PER_SECOND: '1000' } });
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => closeAllClients());

  it.each(badTelemetry)('rejects telemetry with %s and changes nothing', async (_name, payload) => {
    const h = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    await h.ask('headset-identify', 'QUEST_001');
    const good = telemetry('QUEST_001', { batteryLevel: 0.77 });
    await h.ask('device-telemetry', good);
    const before = await server.store.devices.getTelemetry('QUEST_001');

    const answer = await h.ask('device-telemetry', payload);
    expect(answer.ok).toBe(false);
    expect(answer.error).toBeTypeOf('string');
    expect(await server.store.devices.getTelemetry('QUEST_001')).toEqual(before);
    expect(await server.store.devices.get('QUEST_002')).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The socket survives and still works.
    expect(h.socket.connected).toBe(true);
    expect(await h.ask('device-telemetry', good)).toEqual({ ok: true });
  });

  it.each([
    ['a number', 12],
    ['an empty string', ''],
    ['a path', '../../etc/passwd'],
    ['65 characters', 'a'.repeat(65)],
    ['an object with extra keys', { deviceId: 'QUEST_001', admin: true }],
    ['no payload', undefined],
  ])('rejects headset-identify with %s', async (_name, payload) => {
    const h = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    const answer = payload === undefined ? await h.ask('headset-identify') : await h.ask('headset-identify', payload);
    expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/invalid payload/) });
    expect(h.socket.connected).toBe(true);
  });

  it('clips client-chosen text (a huge key name) out of the refusal it answers and logs', async () => {
    const h = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    await h.ask('headset-identify', 'QUEST_001');
    const answer = await h.ask('device-telemetry', { ...telemetry('QUEST_001'), ['k'.repeat(100_000)]: 1 });
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/^invalid payload: Unrecognized key/);
    expect(answer.error!.length).toBeLessThanOrEqual(320);
  });

  it('answers unknown events with nothing and counts them', async () => {
    const h = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    (h.socket as unknown as { emit: (e: string, ...a: unknown[]) => void }).emit('no-such-event', { x: 1 });
    await sleep(100);
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_socket_events_rejected_total\{event="unknown",reason="unknown_event"\} [1-9]/);
    expect(metrics).not.toContain('no-such-event');
  });
});

describe('control-event flood', () => {
  it('drops events beyond the per-socket limit, counts them, and keeps the socket usable', async () => {
    const server = await startServer({ env: { SOCKET_EVENT_BURST: '5', SOCKET_EVENTS_PER_SECOND: '5' } });
    try {
      const h = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
      const other = await connectClient(server, { deviceId: 'QUEST_002', deviceType: 'headset' });
      await h.ask('headset-identify', 'QUEST_001');
      const answers = await Promise.all(Array.from({ length: 40 }, () => h.ask('headset-status', 'spam')));
      const refused = answers.filter((a) => a.ok === false && a.error === 'rate limit exceeded');
      expect(refused.length).toBeGreaterThanOrEqual(30);
      // Another socket is unaffected.
      expect(await other.ask('headset-identify', 'QUEST_002')).toMatchObject({ ok: true });
      const metrics = await (await fetch(`${server.url()}/metrics`)).text();
      const counted = Number(
        /turing_socket_events_rejected_total\{event="headset-status",reason="rate_limited"\} (\d+)/.exec(metrics)?.[1],
      );
      expect(counted).toBe(refused.length);
      await sleep(1_100);
      expect(h.socket.connected).toBe(true);
      expect(await h.ask('headset-status', 'after the flood')).toEqual({ ok: true });
    } finally {
      closeAllClients();
      await server.close();
    }
  });
});

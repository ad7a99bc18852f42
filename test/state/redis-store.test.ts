import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { RedisStore, type TelemetryWrite } from '../../src/state';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { defaultTtls, device, storeContract } from './store.contract';
import { qaResultsContract } from './qa-results.contract';
import { sessionsContract } from './sessions.contract';
import { uploadsContract } from './uploads.contract';
import { commandsContract } from './commands.contract';
import { timelineContract } from './timeline.contract';
import { alarmsContract } from './alarms.contract';
import { recordingsContract } from './recordings.contract';
import { webhooksContract } from './webhooks.contract';
import { noticesContract } from './notices.contract';
import { alarmFlappingContract } from './alarm-flapping.contract';
import { recordingRetentionContract } from './recording-retention.contract';
import { qaResultKey } from '../../src/state/redis/qa-results';
import { FLEET_READ_CHUNK } from '../../src/state/redis/fleet-reads';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const logger = pino({ level: 'silent' });
const makeStore = (prefix = redis.uniquePrefix(), ttls = defaultTtls) =>
  new RedisStore({ url: redis.url, keyPrefix: prefix, ttls, logger });

storeContract('redis', async (ttls) => makeStore(undefined, ttls));
sessionsContract('redis', async (ttls) => makeStore(undefined, ttls));
uploadsContract('redis', async (ttls) => makeStore(undefined, ttls));
qaResultsContract('redis', async (ttls) => makeStore(undefined, ttls));
commandsContract('redis', async (ttls) => makeStore(undefined, ttls));
timelineContract('redis', async (ttls) => makeStore(undefined, ttls));
alarmsContract('redis', async (ttls) => makeStore(undefined, ttls));
recordingsContract('redis', async (ttls) => makeStore(undefined, ttls));
webhooksContract('redis', async (ttls) => makeStore(undefined, ttls));
noticesContract('redis', async (ttls) => makeStore(undefined, ttls));
alarmFlappingContract('redis', async (ttls) => makeStore(undefined, ttls));
recordingRetentionContract('redis', async (ttls) => makeStore(undefined, ttls));

describe('redis store specifics', () => {
  it('reads a fleet larger than one pipeline chunk whole and in order', async () => {
    const store = makeStore();
    try {
      const count = FLEET_READ_CHUNK * 2 + 37;
      const ids = Array.from({ length: count }, (_, i) => `H${String(i).padStart(4, '0')}`);
      await Promise.all(ids.map((id) => store.devices.save(device(id))));
      // Every third one has telemetry, every fifth one is locked.
      await Promise.all(
        ids.filter((_, i) => i % 3 === 0).map((id) => store.devices.saveTelemetry(id, { batteryLevel: 0.5, deviceId: id })),
      );
      await Promise.all(ids.filter((_, i) => i % 5 === 0).map((id) => store.locks.acquire(id, `T_${id}`)));
      const ask = [...ids, 'NOT_THERE'];

      expect((await store.devices.list()).map((d) => d.deviceId).sort()).toEqual(ids);
      expect(await store.devices.existing(ask)).toEqual(new Set(ids));
      const telemetry = await store.devices.getTelemetryMany(ask);
      expect([...telemetry.keys()]).toEqual(ids.filter((_, i) => i % 3 === 0));
      expect(telemetry.get(ids[FLEET_READ_CHUNK * 2 + 2]!)).toEqual({ batteryLevel: 0.5, deviceId: ids[FLEET_READ_CHUNK * 2 + 2] });
      const locks = await store.locks.getMany(ask);
      expect([...locks.keys()]).toEqual(ids.filter((_, i) => i % 5 === 0));
      expect(locks.get(ids[FLEET_READ_CHUNK + 5]!)?.tabletId).toBe(`T_${ids[FLEET_READ_CHUNK + 5]}`);
    } finally {
      await store.close();
    }
  });

  it('sends the telemetry of several turns within the gather window to Redis as one script call', async () => {
    const prefix = redis.uniquePrefix();
    const store = makeStore(prefix);
    // MONITOR sees every client's commands in the order Redis runs them; this store's are those naming its prefix.
    const monitor = await store.client.monitor();
    const scriptCalls: string[][] = [];
    const marker = `${prefix}done`;
    let markerSeen!: () => void;
    const seen = new Promise<void>((resolve) => (markerSeen = resolve));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0] === 'echo' && args[1] === marker) markerSeen();
      else if (/^eval(sha)?$/i.test(args[0]!) && args.some((a) => a.startsWith(prefix))) scriptCalls.push(args);
    });
    try {
      const ids = ['G1', 'G2', 'G3', 'G4'];
      await Promise.all(ids.map((id) => store.devices.save(device(id))));
      const written: Array<Promise<TelemetryWrite | null>> = [];
      for (const id of ids) {
        written.push(store.devices.recordTelemetry(id, { batteryLevel: 0.5, deviceId: id }, new Date()));
        await nextTurn();
      }
      expect((await Promise.all(written)).map((w) => w?.record.deviceId)).toEqual(ids);
      // Everything this store sent before the marker has reached the monitor once the marker has.
      await store.client.echo(marker);
      await seen;
      // Four updates in four turns: one script call (EVAL the first time the script runs, EVALSHA after).
      expect(scriptCalls).toHaveLength(1);
      expect(await store.devices.getTelemetry('G4')).toEqual({ batteryLevel: 0.5, deviceId: 'G4' });
    } finally {
      monitor.disconnect();
      await store.close();
    }
  });

  it('uses the spec key layout under the configured prefix', async () => {
    const prefix = redis.uniquePrefix();
    const store = makeStore(prefix);
    try {
      await store.devices.save(device('QUEST_001'));
      await store.devices.saveTelemetry('QUEST_001', { batteryLevel: 1 });
      await store.locks.acquire('QUEST_001', 'TABLET_1');
      const raw = store.client;
      const fields = await raw.hgetall('device:QUEST_001');
      expect(fields).toMatchObject({ deviceId: 'QUEST_001', isOnline: '1', lastSeen: '2026-02-06T14:30:52.000Z' });
      expect(await raw.ttl('device:QUEST_001')).toBeGreaterThan(defaultTtls.deviceStateSeconds - 10);
      expect(await raw.get('lock:QUEST_001')).toBe('TABLET_1');
      expect(await raw.smembers('tablet_locks:TABLET_1')).toEqual(['QUEST_001']);
      expect(JSON.parse((await raw.get('telemetry:QUEST_001'))!)).toEqual({ batteryLevel: 1 });
      expect(await raw.ttl('telemetry:QUEST_001')).toBeLessThanOrEqual(defaultTtls.telemetrySeconds);
    } finally {
      await store.close();
    }
  });

  it('keeps two prefixes apart', async () => {
    const a = makeStore();
    const b = makeStore();
    try {
      await a.devices.save(device('H1'));
      expect(await b.devices.get('H1')).toBeNull();
      expect((await a.locks.acquire('H1', 'T1')).outcome).toBe('acquired');
      expect((await b.locks.acquire('H1', 'T2')).outcome).toBe('acquired');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('reads a corrupt record as absent instead of throwing', async () => {
    const store = makeStore();
    try {
      await store.client.hset('session:bad', 'sessionId', 'bad', 'status', 'nonsense');
      await store.client.set('upload:bad', '{not json');
      expect(await store.sessions.get('bad')).toBeNull();
      expect(await store.uploads.get('bad')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('rejects commands instead of hanging when Redis is unreachable, and never throws an unhandled error', async () => {
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix: '',
      ttls: defaultTtls,
      logger,
      redisOptions: { retryStrategy: () => 50, connectTimeout: 200 },
    });
    try {
      await expect(store.ping()).rejects.toThrow();
      await expect(store.devices.get('H1')).rejects.toThrow();
      // A feature's own store sits behind the same boundary: its callers see the domain's refusal, not ioredis.
      const feature = store.extend({
        memory: () => ({ read: async () => null }),
        redis: ({ client }) => ({ read: () => client.get('x') }),
      });
      await expect(feature.read()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await store.close();
    }
  });
});

describe('redis QA results specifics', () => {
  it('stores qa:{sha256(etag)} with the configured TTL, and reads a corrupt value as a miss', async () => {
    const store = makeStore(undefined, { ...defaultTtls, qaResultSeconds: 600 });
    try {
      await store.qaResults.save('"abc"', { ok: 1 });
      const key = qaResultKey('"abc"');
      expect(key).toMatch(/^qa:[0-9a-f]{64}$/);
      expect(JSON.parse((await store.client.get(key))!)).toEqual({ ok: 1 });
      const ttl = await store.client.ttl(key);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
      await store.client.set(key, '{not json');
      expect(await store.qaResults.get('"abc"')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

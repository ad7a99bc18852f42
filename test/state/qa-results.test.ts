import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { MemoryStore, RedisStore } from '../../src/state';
import { qaResultKey } from '../../src/state/redis/qa-results';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { qaResultsContract } from './qa-results.contract';
import { defaultTtls } from './store.contract';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const logger = pino({ level: 'silent' });

qaResultsContract('memory', async (ttls) => new MemoryStore(ttls));
qaResultsContract('redis', async (ttls) => new RedisStore({ url: redis.url, keyPrefix: redis.uniquePrefix(), ttls, logger }));

describe('redis QA results specifics', () => {
  it('stores qa:{sha256(etag)} with the configured TTL, and reads a corrupt value as a miss', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: redis.uniquePrefix(), ttls: { ...defaultTtls, qaResultSeconds: 600 }, logger });
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

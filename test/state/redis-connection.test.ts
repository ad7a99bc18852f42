import { once } from 'node:events';
import Redis from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/domain/errors';
import { RedisStore } from '../../src/state';
import { closeClient } from '../../src/state/redis/close-client';
import { createRedisClient, describeRedis } from '../../src/state/redis/connection';
import { eventually } from '../helpers/clients';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { defaultTtls } from './store.contract';

/** The one place that builds ioredis clients (src/state/redis/connection.ts). */
const started: TestRedis[] = [];
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
});
async function privateRedis(): Promise<TestRedis & { port: number }> {
  const redis = await startTestRedis();
  started.push(redis);
  // These tests turn the server into a replica: never do that to a shared REDIS_URL.
  if (!redis.restart) return expect.fail('needs private test Redis servers (unset REDIS_URL)');
  return { ...redis, port: Number(new URL(redis.url).port) };
}

describe('Redis connections', () => {
  it('names where Redis is without any password', () => {
    expect(describeRedis({ url: 'redis://:s3cret@10.0.0.5:6380/0' })).toBe('Redis at 10.0.0.5:6380');
    const sentinel = describeRedis({
      sentinel: { sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'capture', password: 's3cret' },
      password: 'p4ss',
    });
    expect(sentinel).toBe("Redis primary 'capture' via sentinels 10.0.0.1:26379");
  });

  it('answers a write to a demoted primary (READONLY) as unavailable, reconnects, and serves once it is a primary again', async () => {
    const node = await privateRedis();
    const store = new RedisStore({ url: node.url, keyPrefix: 'ro:', ttls: defaultTtls, logger: pino({ level: 'silent' }) });
    const admin = new Redis(node.url);
    try {
      let reconnects = 0;
      store.onReconnected(() => reconnects++);
      expect((await store.locks.acquire('QUEST_001', 'TABLET_A')).outcome).toBe('acquired');
      // What Sentinel does to a primary it demotes (without the CLIENT KILL that usually follows). The
      // primary named is a free port: writes are refused at once, and no sync writes a dump file.
      await admin.replicaof('127.0.0.1', String(await freePort()));
      await expect(store.locks.acquire('QUEST_002', 'TABLET_A')).rejects.toBeInstanceOf(StoreUnavailableError);
      // The READONLY answer dropped the connection so that it can find the primary again.
      await eventually(() => expect(reconnects).toBeGreaterThan(0));
      await admin.replicaof('NO', 'ONE');
      expect((await store.locks.acquire('QUEST_002', 'TABLET_A')).outcome).toBe('acquired');
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it('connects again when a long-lived client ends without being closed', async () => {
    const node = await privateRedis();
    const client = createRedisClient({ url: node.url });
    await eventually(() => expect(client.status).toBe('ready'));
    // ioredis ends a client for good on some failures while it looks for a primary; disconnect() ends it the same way.
    const ended = once(client, 'end');
    client.disconnect();
    await ended;
    await eventually(() => expect(client.status).toBe('ready'), 5_000);
    expect(await client.ping()).toBe('PONG');
    await closeClient(client);
  });
});

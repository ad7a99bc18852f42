import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from './redis-server';
import { closeAllClients } from './clients';
import { startServer } from './start-server';
import type { Env } from '../../src/config';
import type { CaptureServer } from '../../src/app';

export { startServer, type StartOptions } from './start-server';

/** Runs each test body against a memory-store server and a Redis-store server. */
export const STORE_KINDS = ['memory', 'redis'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Registers a test Redis for the file: started before all tests, stopped after. */
export function useTestRedis(): () => TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (!redis) throw new Error('test Redis not started yet');
    return redis;
  };
}

/**
 * A factory of servers on the given store kind, each with a fresh key prefix;
 * every server and client made in a test is closed after it.
 */
export function serverFactory(kind: StoreKind, redis: () => TestRedis, defaults: Env = {}) {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    closeAllClients();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (env: Env = {}): Promise<CaptureServer> => {
    const storeEnv: Env = kind === 'redis' ? { REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().uniquePrefix() } : {};
    const server = await startServer({ env: { ...defaults, ...storeEnv, ...env } });
    servers.push(server);
    return server;
  };
}

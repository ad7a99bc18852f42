import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import pino from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from './redis-server';
import { closeAllClients } from './clients';
import { testConfig, type Env } from '../../src/config';
import { createServer, type CaptureServer } from '../../src/app';
import type { Store } from '../../src/state';

export interface StartOptions {
  env?: Env;
  logger?: pino.Logger;
  /** A store built by the test (for example one that delays chosen calls). */
  store?: Store;
}

/** A real server on 127.0.0.1 and a free port, with a private data directory. */
export async function startServer(options: StartOptions = {}): Promise<CaptureServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-test-'));
  const config = testConfig({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000', ...options.env });
  const logger = options.logger ?? pino({ level: 'silent' });
  const server = createServer(config, { logger, ...(options.store ? { store: options.store } : {}) });
  await server.listen(0, '127.0.0.1');
  return server;
}

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

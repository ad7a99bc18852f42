import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import pino from 'pino';
import { testConfig, type Env } from '../../src/config';
import { createServer, type CaptureServer } from '../../src/app';

export interface StartOptions {
  env?: Env;
  logger?: pino.Logger;
}

/** A real server on 127.0.0.1 and a free port, with a private data directory. */
export async function startServer(options: StartOptions = {}): Promise<CaptureServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-test-'));
  const config = testConfig({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000', ...options.env });
  const server = createServer(config, { logger: options.logger ?? pino({ level: 'silent' }) });
  await server.listen(0, '127.0.0.1');
  return server;
}

/** Runs each test body against a memory-store server and a Redis-store server. */
export const STORE_KINDS = ['memory', 'redis'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

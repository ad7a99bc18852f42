import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import pino from 'pino';
import { testConfig, type Env } from '../../src/config';
import { createServer, type CaptureServer, type ServerDeps } from '../../src/app';

/**
 * What a test server is made of: its environment (over testConfig's secrets, a
 * private DATA_DIR and a 2 s shutdown timeout) and the dependencies createServer
 * takes (store, storage, logger), each defaulting as in
 * production except the logger, which is silent.
 */
export interface StartOptions extends ServerDeps {
  env?: Env;
}

/**
 * The one way tests (and the benchmarks) start a server: a real one on
 * 127.0.0.1 and a free port. Kept free of Vitest so bench scripts can use it;
 * tests import it through ./test-server.
 */
export async function startServer(options: StartOptions = {}): Promise<CaptureServer> {
  const { env, ...deps } = options;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-test-'));
  const config = testConfig({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000', ...env });
  const server = createServer(config, { ...deps, logger: deps.logger ?? pino({ level: 'silent' }) });
  await server.listen(0, '127.0.0.1');
  return server;
}

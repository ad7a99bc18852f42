import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createServer } from '../../src/app';
import { testConfig } from '../../src/config';

type Json = Record<string, unknown>;

/**
 * The server's two API documents as it serves them: a server on a memory store and a free
 * port, asked for /api/openapi.json and /api/asyncapi.json, then closed.
 */
export async function apiDocuments(): Promise<{ openApi: Json; asyncApi: Json }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-documents-'));
  const server = createServer(testConfig({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000' }), { logger: pino({ level: 'silent' }) });
  await server.listen(0, '127.0.0.1');
  try {
    const get = async (name: string) => (await (await fetch(`${server.url()}/api/${name}.json`)).json()) as Json;
    return { openApi: await get('openapi'), asyncApi: await get('asyncapi') };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

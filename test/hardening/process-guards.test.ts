import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server';
import { runServer, waitFor, type ChildServer } from '../helpers/child-server';

/** The entry point's process handlers, with faults injected into a real server process. */
const FAULT = path.join(__dirname, 'fixtures', 'fault-on-signal.ts');
let server: ChildServer | undefined;
afterEach(() => {
  server?.child.kill('SIGKILL');
});

async function start(fault: 'rejection' | 'exception') {
  const port = await freePort();
  server = runServer(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-guards-')),
      JWT_SECRET: 'guards-jwt-secret-that-is-long-enough-0123456789',
      ADMIN_API_KEY: 'guards-admin-api-key-0123456789',
      INJECT_FAULT: fault,
    },
    { preload: [FAULT] },
  );
  const base = `http://127.0.0.1:${port}`;
  expect((await waitFor(`${base}/health`)).status).toBe(200);
  return { server, base };
}

describe('process guards', () => {
  it('logs an unhandled rejection with its stack and keeps serving', async () => {
    const { server, base } = await start('rejection');
    server.child.kill('SIGUSR2');
    await server.waitForOutput('unhandled promise rejection; still serving');
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('unhandled promise rejection'))!;
    const entry = JSON.parse(line) as { level: number; err: { message: string; stack: string } };
    expect(entry.level).toBe(50);
    expect(entry.err.message).toBe('injected rejection nobody awaited');
    expect(entry.err.stack).toContain('fault-on-signal.ts');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });

  it('logs an uncaught exception as fatal and exits non-zero, so the process manager restarts a clean process', async () => {
    const { server } = await start('exception');
    server.child.kill('SIGUSR2');
    expect(await server.exited).toBe(1);
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('uncaught exception'))!;
    const entry = JSON.parse(line) as { level: number; err: { message: string } };
    expect(entry.level).toBe(60);
    expect(entry.err.message).toBe('injected invariant break');
  });
});

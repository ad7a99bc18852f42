import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server';
import { runServer as run, waitFor } from '../helpers/child-server';

/** The real entry point with a bare environment: what `npm start` does on a fresh machine. */
describe('entry point', () => {
  it('starts with no configuration, serves /test and /metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-entry-'));
    const server = run({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      const test = await waitFor(`http://127.0.0.1:${port}/test`);
      expect(test.status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(await metrics.text()).toContain('turing_http_request_duration_seconds');
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
      expect(health).toMatchObject({ store: { kind: 'memory' }, storage: { kind: 'local' } });
      expect(JSON.stringify(health)).not.toContain(dataDir);
      expect(server.output()).toContain('WARNING: no JWT_SECRET or ADMIN_API_KEY configured');
      expect(server.output()).toMatch(/JWT_SECRET=\S{32,}/);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('shutdown complete');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses to start in production without secrets, saying which and how to make them', async () => {
    const server = run({ NODE_ENV: 'production' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('JWT_SECRET and ADMIN_API_KEY must be set when NODE_ENV=production');
    expect(server.output()).toContain('openssl rand -base64 48');
  });

  it('reads a .env file, with the environment taking precedence', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-envfile-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'NODE_ENV=production\nPORT=not-a-port\n');
    const fromFile = run({ ENV_FILE: file });
    expect(await fromFile.exited).toBe(1);
    expect(fromFile.output()).toContain('PORT: expected a number (got "not-a-port")');
    const overridden = run({ ENV_FILE: file, PORT: 'from-env' });
    expect(await overridden.exited).toBe(1);
    expect(overridden.output()).toContain('PORT: expected a number (got "from-env")');
  });

  it('refuses a malformed PORT, naming it', async () => {
    const server = run({ PORT: 'abc' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PORT: expected a number (got "abc")');
  });

  it('says in one line that the port is taken and names PORT, without a stack trace', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const server = run({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-port-')) });
      expect(await server.exited).toBe(1);
      const line = server
        .output()
        .split('\n')
        .find((l) => l.startsWith('capture-backend:'));
      expect(line).toBe(
        `capture-backend: port ${port} on 127.0.0.1 is already in use (another capture-backend?); stop that process or set PORT to a free port`,
      );
      expect(server.output()).not.toMatch(/^\s+at /m);
    } finally {
      squatter.close();
    }
  });

  it('warns at start, saying what to fix, when DATA_DIR cannot be written, and still serves', async () => {
    const port = await freePort();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-nodir-')), 'a-file');
    writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const server = run({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      await waitFor(`http://127.0.0.1:${port}/test`);
      // The log goes through a pretty-printing worker in development, so it may trail the answer.
      await server.waitForOutput(`recordings cannot be stored until DATA_DIR (${dataDir}) is a writable directory`);
      // The development secrets cannot be kept there either, and the server says so.
      expect(server.output()).toContain('cannot be kept in DATA_DIR');
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
      expect(health).toMatchObject({ ok: false, status: 'degraded' });
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  });
});

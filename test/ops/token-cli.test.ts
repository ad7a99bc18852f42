import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/token';
import { freePort } from '../helpers/redis-server';

/**
 * scripts/token.ts against a small local HTTP server that answers like the
 * documented POST /auth/device-token ({ ok, token, deviceId, deviceType, expiresIn }).
 */

const API_KEY = 'operator-admin-key-0123456789';

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: unknown;
  url?: string;
  method?: string;
}

describe('npm run token', () => {
  let server: http.Server;
  let url: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw || 'null') as { deviceId: string; deviceType: string };
        seen.push({ headers: req.headers, body, url: req.url, method: req.method });
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (req.url !== '/auth/device-token') return reply(404, { ok: false, error: `no route for ${req.method} ${req.url}` });
        if (req.headers['x-api-key'] !== API_KEY) return reply(401, { ok: false, error: 'admin API key required' });
        if (body.deviceType === 'dashboard') return reply(400, { ok: false, error: 'deviceType: dashboards are not provisioned here' });
        if (body.deviceId === 'BROKEN') return reply(200, { ok: true });
        reply(200, { ok: true, token: `jwt.for.${body.deviceId}`, deviceId: body.deviceId, deviceType: body.deviceType, expiresIn: '24h' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function run(argv: string[], env: Record<string, string> = { ADMIN_API_KEY: API_KEY }) {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, env, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
    return { code, stdout, stderr };
  }

  it('prints only the token on stdout, having sent the device and the admin key', async () => {
    seen.length = 0;
    const result = await run(['--device', 'QUEST_001', '--type', 'headset', '--url', url]);
    expect(result).toEqual({ code: 0, stdout: 'jwt.for.QUEST_001\n', stderr: 'token for headset QUEST_001, valid for 24h\n' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/auth/device-token', body: { deviceId: 'QUEST_001', deviceType: 'headset' } });
    expect(seen[0]!.headers['x-api-key']).toBe(API_KEY);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('prints the whole response with --json', async () => {
    const result = await run(['--device', 'TAB_1', '--type', 'tablet', '--url', url, '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      token: 'jwt.for.TAB_1',
      deviceId: 'TAB_1',
      deviceType: 'tablet',
      expiresIn: '24h',
    });
  });

  it('takes --api-key over ADMIN_API_KEY', async () => {
    const result = await run(['--device', 'Q1', '--type', 'headset', '--url', url, '--api-key', API_KEY], { ADMIN_API_KEY: 'wrong' });
    expect(result.code).toBe(0);
  });

  it('explains a refused admin key', async () => {
    const result = await run(['--device', 'Q1', '--type', 'headset', '--url', url], { ADMIN_API_KEY: 'not-the-key' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the server refused the admin API key (401)');
    expect(result.stderr).not.toContain('not-the-key');
  });

  it("shows the server's message for a rejected request", async () => {
    const result = await run(['--device', 'D1', '--type', 'dashboard', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the server answered 400: deviceType: dashboards are not provisioned here');
  });

  it('says when the server is not running', async () => {
    const result = await run(['--device', 'Q1', '--type', 'headset', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Is it running\?/);
  });

  it('says when the URL is not a server with device tokens', async () => {
    const result = await run(['--device', 'Q1', '--type', 'headset', '--url', `${url}/somewhere/else`]);
    expect(result.stderr).toContain('does not exist (404)');
  });

  it('refuses an answer without a token', async () => {
    const result = await run(['--device', 'BROKEN', '--type', 'headset', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no token in the response');
  });

  it('checks its arguments before calling the server', async () => {
    seen.length = 0;
    const bad = await run(['--device', '../etc', '--type', 'robot', '--url', url], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--device: deviceId must be');
    expect(bad.stderr).toContain('--type: Invalid option');
    expect(bad.stderr).toContain('admin API key: missing: set ADMIN_API_KEY or pass --api-key');
    expect((await run(['--device', 'Q1', '--type', 'headset', '--url', 'ftp://x'])).stderr).toContain(
      '--url: expected an http:// or https:// URL',
    );
    expect((await run(['--device', 'Q1', '--type', 'headset', '--colour'])).stderr).toContain("Unknown option '--colour'");
    expect(seen).toEqual([]);
  });

  it('runs as a command, reading the admin key from .env: token on stdout, exit code 0', async () => {
    const root = path.resolve(__dirname, '../..');
    const envFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-token-')), '.env');
    writeFileSync(envFile, `ADMIN_API_KEY=${API_KEY}\n`);
    const child = spawn(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/token.ts', '--device', 'QUEST_002', '--type', 'headset', '--url', url],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ENV_FILE: envFile },
      },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe('jwt.for.QUEST_002\n');
  });
});

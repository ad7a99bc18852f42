import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

/** `npm run simulate` as a newcomer runs it: a child process against a real server. */
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'scripts', 'simulate', 'cli.ts');
const ADMIN_KEY = 'test-admin-api-key-0123456789';

function simulate(args: string[], env: Record<string, string> = {}) {
  const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ADMIN_API_KEY: '', ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('npm run simulate', () => {
  let server: CaptureServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('runs for --duration, prints progress, then stops cleanly with exit code 0', async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    const run = simulate(
      ['--url', server.url(), '--headsets', '2', '--tablets', '1', '--fps', '5', '--duration', '4', '--session-seconds', '2'],
      { ADMIN_API_KEY: ADMIN_KEY },
    );
    expect(await run.exited).toBe(0);
    const out = run.output();
    expect(out).toContain(`simulating 2 headsets and 1 tablets against ${server.url()} for 4 s`);
    expect(out).toMatch(/headsets \d\/2 \| tablets \d\/1 \| frames \d+/);
    expect(out).toContain('4 s elapsed: ending sessions');
    expect(out).toMatch(/stopped\n$/);
    expect(server.io.of('/').sockets.size).toBe(0);
  }, 30_000);

  it('stops cleanly on Ctrl-C (SIGINT)', async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    const s = server;
    const run = simulate(['--url', s.url(), '--headsets', '1', '--tablets', '1', '--fps', '2', '--api-key', ADMIN_KEY]);
    await eventually(async () => expect((await s.services.devices.deviceStates()).filter((d) => d.isOnline)).toHaveLength(1), 15_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('interrupted: ending sessions');
    await eventually(() => expect(s.io.of('/').sockets.size).toBe(0));
  }, 30_000);

  it('explains bad arguments and a missing admin key', async () => {
    const bad = simulate(['--url', 'not a url', '--headsets=-3', '--api-key', 'k', '--jitter-ms', '20-2', '--max-drift-ppm=-1']);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/--url must be a URL/);
    expect(bad.output()).toMatch(/--headsets: Too small/);
    expect(bad.output()).toMatch(/--jitter-ms: MIN must not exceed MAX/);
    expect(bad.output()).toMatch(/--max-drift-ppm: Too small/);
    expect(bad.output()).toMatch(/usage: npm run simulate/);
    const noKey = simulate(['--url', 'http://127.0.0.1:9']);
    expect(await noKey.exited).toBe(1);
    expect(noKey.output()).toMatch(/--api-key \(or ADMIN_API_KEY\) is required/);
  }, 30_000);
});

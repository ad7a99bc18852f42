import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { TokenService } from '../../src/auth';

/**
 * ecosystem.config.js with PM2 from npm, against a fresh build in a temporary
 * copy of the project, with a private PM2_HOME (its own daemon).

 */

const ROOT = path.resolve(__dirname, '../..');
const PM2 = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');

/** The fields of PM2's app entries that these tests read one by one; toMatchObject checks the rest. */
interface Pm2App {
  kill_timeout: number;
  max_memory_restart: string;
  out_file: string;
}

function evaluateEcosystem(env: Record<string, string>): { ok: boolean; stderr: string; apps: Pm2App[] } {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require("./ecosystem.config.js")))'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/nonexistent/.env', ...env },
    encoding: 'utf8',
  });
  return {
    ok: result.status === 0,
    stderr: result.stderr,
    apps: result.status === 0 ? (JSON.parse(result.stdout) as { apps: Pm2App[] }).apps : [],
  };
}

describe('ecosystem.config.js', () => {
  it('runs dist/server.js as one process in fork mode by default, stopping gracefully', () => {
    const { apps } = evaluateEcosystem({});
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({
      script: 'dist/server.js',
      exec_mode: 'fork',
      instances: 1,
      wait_ready: true,
      env: { NODE_ENV: 'production' },
    });
    // Longer than SHUTDOWN_TIMEOUT_MS (default 10 s) plus the server's own 2 s hard-stop margin.
    expect(apps[0]?.kill_timeout).toBeGreaterThan(12_000);
    expect(apps[0]?.max_memory_restart).toBe('1G');
    expect(apps[0]?.out_file).toMatch(/logs\/capture-backend\.out\.log$/);
  });

  it('follows SHUTDOWN_TIMEOUT_MS with its kill_timeout', () => {
    expect(evaluateEcosystem({ SHUTDOWN_TIMEOUT_MS: '30000' }).apps[0]?.kill_timeout).toBeGreaterThan(32_000);
  });

  it('uses cluster mode only with REDIS_URL', () => {
    const refused = evaluateEcosystem({ PM2_INSTANCES: '2' });
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('PM2_INSTANCES=2 needs REDIS_URL');
    const cluster = evaluateEcosystem({ PM2_INSTANCES: 'max', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(cluster.apps[0]).toMatchObject({ exec_mode: 'cluster', instances: 'max' });
    const single = evaluateEcosystem({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(single.apps[0]).toMatchObject({ exec_mode: 'fork', instances: 1 });
    expect(evaluateEcosystem({ PM2_INSTANCES: 'lots' }).stderr).toContain('PM2_INSTANCES must be a whole number');
  });

  describe('under PM2', () => {
    let dir: string;
    let port: number;
    let env: Record<string, string>;
    const clients: ClientSocket[] = [];

    const pm2 = (...args: string[]) => pm2WithEnv({}, ...args);

    function pm2WithEnv(extra: Record<string, string>, ...args: string[]): Promise<{ code: number | null; output: string }> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [PM2, ...args], { cwd: dir, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('exit', (code) => resolve({ code, output }));
      });
    }

    async function processes(): Promise<Array<{ name: string; pid: number; pm2_env: { status: string; exec_mode: string } }>> {
      const { output } = await pm2('jlist');
      return JSON.parse(output.slice(output.indexOf('['))) as Awaited<ReturnType<typeof processes>>;
    }

    async function waitForTest(): Promise<void> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/test`);
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`no answer on /test:\n${logs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const logs = () =>
      ['out', 'err']
        .map((kind) => path.join(dir, 'logs', `capture-backend.${kind}.log`))
        .filter(existsSync)
        .map((file) => readFileSync(file, 'utf8'))
        .join('\n');

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'capture-pm2-'));
      const build = spawnSync(
        process.execPath,
        [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(build.status, build.stdout).toBe(0);
      copyFileSync(path.join(ROOT, 'ecosystem.config.js'), path.join(dir, 'ecosystem.config.js'));
      copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      port = await freePort();
      env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        PM2_HOME: path.join(dir, '.pm2'),
        ENV_FILE: path.join(dir, 'no.env'),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: path.join(dir, 'data'),
        JWT_SECRET: 'pm2-test-jwt-secret-that-is-long-enough-0123',
        ADMIN_API_KEY: 'pm2-test-admin-api-key-0123456789',
        SHUTDOWN_TIMEOUT_MS: '2000',
      };
      // A whole tsc compile of src/: 16 CPU-seconds, over a minute of wall time on a busy 2-core machine.
    }, 180_000);

    afterAll(async () => {
      for (const client of clients) client.close();
      if (dir) await pm2('kill');
    }, 30_000);

    /** A client as the apps connect: websocket only, token in auth, retrying by itself. */
    async function device(deviceId: string, deviceType: 'headset' | 'tablet'): Promise<ClientSocket> {
      const token = new TokenService(env.JWT_SECRET!, '1h').sign(deviceId, deviceType);
      const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnectionDelay: 100, auth: { token } });
      clients.push(socket);
      // A headset app identifies on every (re)connect.
      if (deviceType === 'headset') socket.on('connect', () => socket.emit('headset-identify', deviceId));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return socket;
    }
    const ask = (socket: ClientSocket, event: string, ...args: unknown[]) =>
      socket.timeout(10_000).emitWithAck(event, ...args) as Promise<Record<string, unknown>>;

    it('starts the server with pm2 start; pm2 reload replaces it gracefully, clients reconnect with locks and sessions intact (Redis)', async () => {
      const redis: TestRedis = await startTestRedis();
      try {
        const redisEnv = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() };
        const started = await pm2WithEnv(redisEnv, 'start', 'ecosystem.config.js');
        expect(started.code, started.output).toBe(0);
        await waitForTest();
        const [first] = await processes();
        expect(first).toMatchObject({ name: 'capture-backend', pm2_env: { status: 'online' } });
        const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
        expect(health).toMatchObject({ ok: true, store: { kind: 'redis' } });

        // A lab mid-session: a tablet holds a headset and is recording with it.
        const headset = await device('QUEST_PM2', 'headset');
        const tablet = await device('TABLET_PM2', 'tablet');
        await new Promise((r) => setTimeout(r, 200));
        expect(await ask(tablet, 'tablet-lock-device', 'QUEST_PM2')).toMatchObject({ ok: true });
        const created = await ask(tablet, 'tablet-create-session', { deviceIds: ['QUEST_PM2'] });
        expect(created).toMatchObject({ ok: true });
        expect(await ask(tablet, 'tablet-start-session', created.sessionId)).toMatchObject({ ok: true });

        const firstSocketId = tablet.id;
        const disconnectReason = new Promise<string>((resolve) => tablet.once('disconnect', resolve));
        const reconnected = disconnectReason.then(() => new Promise<void>((resolve) => tablet.once('connect', resolve)));
        const headsetBack = new Promise<void>((resolve) => headset.once('disconnect', () => headset.once('connect', () => resolve())));

        const reloaded = await pm2WithEnv(redisEnv, 'reload', 'ecosystem.config.js');
        expect(reloaded.code, reloaded.output).toBe(0);
        await waitForTest();
        const [second] = await processes();
        expect(second!.pm2_env.status).toBe('online');
        expect(second!.pid).not.toBe(first!.pid);
        expect(() => process.kill(first!.pid, 0)).toThrow();
        await Promise.all([reconnected, headsetBack]);
        // A transport close (not a server-side disconnect), so the client retried by itself.
        expect(await disconnectReason).toBe('transport close');
        expect(tablet.id).not.toBe(firstSocketId);
        await new Promise((r) => setTimeout(r, 200));

        // Same lock holder, same session, and the tablet can still drive it.
        expect(await ask(tablet, 'tablet-lock-device', 'QUEST_PM2')).toMatchObject({ ok: true, refreshed: true });
        expect(await ask(tablet, 'tablet-get-active-session')).toMatchObject({
          session: { sessionId: created.sessionId, status: 'recording' },
        });
        expect(await ask(tablet, 'tablet-pause-session', created.sessionId)).toMatchObject({ ok: true, sent: ['QUEST_PM2'] });
        expect(await ask(tablet, 'tablet-end-session', created.sessionId)).toMatchObject({ ok: true });
        // The old process shut down by itself on PM2's signal, not by SIGKILL.
        expect(logs()).toContain('shutdown complete');
        expect(logs()).not.toContain('shutdown did not finish in time');
      } finally {
        for (const client of clients.splice(0)) client.close();
        await pm2('delete', 'all');
        await redis.stop();
      }
    }, 90_000);

    it('runs two processes in cluster mode on one Redis, and reloads them one by one', async () => {
      const redis = await startTestRedis();
      try {
        const clusterEnv = { PM2_INSTANCES: '2', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() };
        const started = await pm2WithEnv(clusterEnv, 'start', 'ecosystem.config.js');
        expect(started.code, started.output).toBe(0);
        await waitForTest();
        const before = await processes();
        expect(before).toHaveLength(2);
        for (const p of before) expect(p.pm2_env).toMatchObject({ status: 'online', exec_mode: 'cluster_mode' });
        const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
        expect(health).toMatchObject({ ok: true, store: { kind: 'redis', reachable: true } });

        const reloaded = await pm2WithEnv(clusterEnv, 'reload', 'ecosystem.config.js');
        expect(reloaded.code, reloaded.output).toBe(0);
        await waitForTest();
        const after = await processes();
        expect(after.map((p) => p.pm2_env.status)).toEqual(['online', 'online']);
        const oldPids = new Set(before.map((p) => p.pid));
        for (const p of after) expect(oldPids.has(p.pid)).toBe(false);
      } finally {
        await pm2('delete', 'all');
        await redis.stop();
      }
    }, 90_000);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  /** A key prefix unique to one test, so tests share a server without flushing. */
  uniquePrefix(): string;
  stop(): Promise<void>;
  /** Stops and starts the same server (same port), for fault tests. Only for spawned servers. */
  restart?(): Promise<void>;
  kill?(): Promise<void>;
  start?(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A real Redis for tests: REDIS_URL if set, otherwise a private redis-server on
 * a free port, with no persistence, stopped when the test file ends.
 * `persistent`: always a private server, writing every command to an
 * append-only file, so a kill and a start (an outage) keep the data.
 */
export async function startTestRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  const uniquePrefix = () => `t${randomUUID().slice(0, 8)}:`;
  if (process.env.REDIS_URL && !options.persistent) {
    return { url: process.env.REDIS_URL, uniquePrefix, stop: async () => {} };
  }
  const port = await freePort();
  const persistence = options.persistent
    ? ['--dir', mkdtempSync(path.join(os.tmpdir(), 'capture-redis-')), '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    child.on('error', (err) => {
      throw new Error(`could not start redis-server (is it installed?): ${err.message}`);
    });
    await waitForPort(port, 5_000);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    uniquePrefix,
    stop: kill,
    kill,
    start,
    restart: async () => {
      await kill();
      await start();
    },
  };
}

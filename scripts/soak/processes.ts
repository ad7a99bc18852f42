import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** A process the chaos loop can SIGKILL and start again on the same port. */
export interface Restartable {
  readonly name: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  /** Resident memory in bytes (Linux /proc), undefined when not running. */
  rss(): number | undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(!!socket.end()));
    socket.once('error', () => resolve(false));
  });

const running = new Set<ChildProcess>();

/** SIGKILLs every process started here (the soak failing or interrupted leaves none behind). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

function restartable(name: string, spawnIt: () => ChildProcess, ready: () => Promise<boolean>, readyWithinMs = 30_000): Restartable {
  let child: ChildProcess | undefined;
  return {
    name,
    async start() {
      const c = (child = spawnIt());
      running.add(c);
      c.once('exit', () => running.delete(c));
      await waitUntil(ready, name, readyWithinMs);
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    rss() {
      if (!child?.pid || child.exitCode !== null) return undefined;
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return match ? Number(match[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** redis-server on loopback, appending every write to its AOF (fsync always), as a lab should run it. */
export function redisProcess(port: number, dir: string): Restartable {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
  ];
  return restartable(
    'redis',
    () => spawn('redis-server', args, { stdio: 'ignore' }),
    () => listening(port),
  );
}

/**
 * The real entry point (src/server.ts) in its own process, on loopback. Its stderr goes to
 * `stderrFile` (appended), to read when a start fails. On a busy machine a start (tsx compiling
 * src/) can take a while: it gets two minutes.
 */
export function serverProcess(port: number, env: Record<string, string>, stderrFile: string): Restartable {
  return restartable(
    'server',
    () => {
      const stderr = openSync(stderrFile, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ENV_FILE: '/nonexistent/.env',
          ...env,
          PORT: String(port),
          HOST: '127.0.0.1',
        },
        stdio: ['ignore', 'ignore', stderr],
      });
      // The child has its own copy.
      closeSync(stderr);
      return child;
    },
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      } catch {
        return false;
      }
    },
    120_000,
  );
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, freePort, portOpen, procStatus, waitUntil, writeSyscalls } from './process';

/** Starting the real processes benchmarks measure: a private redis-server and built servers. */

export const ROOT = path.resolve(__dirname, '../..');

const built = new Set<string>();

/**
 * Compiles the server of a checkout (this one by default) once per benchmark, so benchmarks
 * run what production runs (node dist/server.js); returns its entry file.
 */
export function ensureBuilt(root: string = ROOT): string {
  const entry = path.join(root, 'dist', 'server.js');
  if (!built.has(root) && (!existsSync(entry) || process.env.BENCH_REBUILD !== '0')) {
    // This checkout's compiler for every build, so two builds compared differ only in their source.
    const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build of ${root} failed:\n${build.stdout}${build.stderr}`);
  }
  built.add(root);
  return entry;
}

export interface RedisProcess {
  url: string;
  /** User + system CPU seconds the Redis server has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * Processes start one at a time: a port freePort() found is free only until its process
 * binds it, and two runs side by side (bench:scale --against) would otherwise both get it.
 */
let starting: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(start: () => Promise<T>): Promise<T> {
  const started = starting.then(start);
  starting = started.catch(() => undefined);
  return started;
}

export function startRedis(): Promise<RedisProcess> {
  return oneAtATime(launchRedis);
}

async function launchRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitUntil(() => portOpen(port), 'redis-server', 5_000);
  const pid = child.pid!;
  return { url: `redis://127.0.0.1:${port}`, cpuSeconds: () => cpuSeconds(pid), stop: () => stopChild(child) };
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Peak resident memory so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number;
  /** Write syscalls the server has made so far (/proc/PID/io). */
  writeSyscalls(): number;
  stop(): Promise<void>;
}

/**
 * Starts a built server. `flags` are node flags for it (e.g. --cpu-prof); `root` names
 * another checkout to run instead of this one (a baseline build).
 */
export function startServerProcess(
  env: Record<string, string>,
  flags: readonly string[] = [],
  root: string = ROOT,
  script?: string,
): Promise<ServerProcess> {
  return oneAtATime(() => launchServer(env, flags, root, script));
}

/** `script` runs instead of the checkout's server (bench:floor's bare server); the checkout is built either way. */
async function launchServer(env: Record<string, string>, flags: readonly string[], root: string, script?: string): Promise<ServerProcess> {
  const built = ensureBuilt(root);
  const entry = script ?? built;
  const port = await freePort();
  // BENCH_SERVER_STDOUT=file keeps what the server prints (e.g. with BENCH_SERVER_FLAGS=--trace-gc).
  const stdout = process.env.BENCH_SERVER_STDOUT ? openSync(process.env.BENCH_SERVER_STDOUT, 'a') : 'ignore';
  const child = spawn(process.execPath, [...flags, entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      ENV_FILE: '/nonexistent/.env',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-bench-')),
      ...env,
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  // The child has its own copy of the descriptor; this process's would stay open for the whole benchmark.
  if (typeof stdout === 'number') closeSync(stdout);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/test`)).ok, 'server');
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRssMiB: () => procStatus(pid, 'VmHWM') / 1024 / 1024,
    cpuSeconds: () => cpuSeconds(pid),
    writeSyscalls: () => writeSyscalls(pid),
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The two relays under test, each as its own process: the capture server
 * (built, production mode, in-memory store) and the bare `ws` relay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { TokenService } from '../../src/auth';
import type { DeviceType } from '../../src/protocol';
import { freePort, waitUntil } from '../lib/process';
import type { Target } from './load';
import { WireClient } from './sio-wire';

const ROOT = path.join(__dirname, '..', '..');
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';

export interface RunningRelay {
  name: string;
  pid: number;
  target: Target;
  /** What the relay counted itself (frames relayed, drops by reason), where it counts anything. */
  counters(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Frame counters from the capture server's /metrics. */
async function frameCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^turing_frames_(relayed|dropped)_total(?:\{reason="(\w+)"\})? (\d+)$/gm)) {
    out[m[2] ? `dropped ${m[2]}` : 'relayed'] = Number(m[3]);
  }
  return out;
}

function stopper(child: ChildProcess, cleanup = () => {}): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    cleanup();
  };
}

/** `redisUrl`: the server on Redis (one process, as a lab with REDIS_URL runs it) instead of its embedded defaults. */
export async function startCaptureServer(options: { redisUrl?: string } = {}): Promise<RunningRelay> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-bench-frames-'));
  // BENCH_SERVER_FLAGS passes node flags to the server (e.g. --cpu-prof), as in bench:upload.
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, path.join(ROOT, 'dist', 'server.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ENV_FILE: path.join(dataDir, 'no.env'),
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET,
      ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef',
      REDIS_URL: options.redisUrl ?? '',
      // Each run its own keys: what an earlier run left in the same Redis is not this one's fleet.
      REDIS_KEY_PREFIX: `bench-frames-${port}:`,
      S3_BUCKET_NAME: '',
      // Every benchmark socket comes from 127.0.0.1: past 200 the per-address limit would refuse them.
      MAX_CONNECTIONS_PER_IP: '100000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = stopper(child, () => rmSync(dataDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${url}/test`)).ok, 'capture server');
  } catch (err) {
    await stop();
    throw err;
  }
  const tokens = new TokenService(JWT_SECRET, '1h');
  const connect = (id: string, type: DeviceType) => WireClient.connect(url, tokens.sign(id, type));
  const expectOk = (answer: unknown, what: string) => {
    if (!(answer as { ok?: boolean } | undefined)?.ok) throw new Error(`${what}: ${JSON.stringify(answer)}`);
  };
  return {
    name: 'capture server',
    pid: child.pid!,
    counters: () => frameCounters(url),
    stop,
    target: {
      async headset(id) {
        const client = await connect(id, 'headset');
        expectOk(await client.ask('headset-identify', id), `identify ${id}`);
        return {
          send: (frame) => client.emitBinary('headset-frame', frame),
          backlog: () => client.bufferedAmount,
          close: () => client.close(),
        };
      },
      async viewer(kind, id, deviceIds, onFrame) {
        const client = await connect(id, kind);
        client.on('on-headset-frame-updated', (_args, frame) => frame && onFrame(frame));
        for (const deviceId of deviceIds) {
          // A tablet sees the headsets it holds; a dashboard asks to watch.
          const event = kind === 'tablet' ? 'tablet-lock-device' : 'dashboard-watch-device';
          expectOk(await client.ask(event, deviceId), `${event} ${deviceId}`);
        }
        return client;
      },
    },
  };
}

export async function startBareRelay(): Promise<RunningRelay> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, 'bare-relay.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = stopper(child);
  let listening = false;
  child.stdout.on('data', (chunk: Buffer) => (listening ||= chunk.toString().includes('listening')));
  try {
    await waitUntil(async () => listening, 'bare relay');
  } catch (err) {
    await stop();
    throw err;
  }
  const open = (query: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/?${query}`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  return {
    name: 'bare ws relay',
    pid: child.pid!,
    counters: async () => ({}),
    stop,
    target: {
      async headset(id) {
        const ws = await open(`headset=${id}`);
        return { send: (frame) => ws.send(frame), backlog: () => ws.bufferedAmount, close: () => ws.terminate() };
      },
      async viewer(_kind, _id, deviceIds, onFrame) {
        const ws = await open(`watch=${deviceIds.join(',')}`);
        ws.on('message', (data: Buffer) => onFrame(data));
        return { close: () => ws.terminate() };
      },
    },
  };
}

/**
 * npm run bench:heap [-- --devices 2000]
 *
 * What each connected headset costs the server in memory, and what holds it.
 * One built server (its own process, on a private Redis) takes a heap snapshot
 * idle, then N headsets connect, identify and send one telemetry message, and
 * it takes a second one. Snapshots force a full GC, so their difference is what
 * the connections keep alive (not the garbage of connecting, which the
 * resident size right after a connect storm also counts). Prints the retained
 * JS heap per device by kind of object, beside the resident size per device
 * right after connecting (after a snapshot, resident size also holds the
 * snapshot's own memory, so it is not printed).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenService } from '../../src/auth';
import { WireClient } from '../frames/sio-wire';
import { procStatus, waitUntil } from '../lib/process';
import { startRedis, startServerProcess } from '../lib/processes';
import { numberOption } from '../lib/options';

const DEVICES = numberOption('devices', 2000);
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';
const tokens = new TokenService(JWT_SECRET, '1h');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and counts of the snapshot's objects by kind: constructor name for objects, the node type otherwise. */
function tally(file: string): { total: number; bytes: Map<string, number>; counts: Map<string, number> } {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const bytes = new Map<string, number>();
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'native' ? heap.strings[heap.nodes[i + nameAt]!]! : type === 'closure' ? 'closure' : `(${type})`;
    const size = heap.nodes[i + sizeAt]!;
    total += size;
    bytes.set(name, (bytes.get(name) ?? 0) + size);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return { total, bytes, counts };
}

async function snapshot(pid: number, dir: string, n: number): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  const done = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.heapsnapshot'))
      .sort();
  // The file appears when writing starts; its size stops changing when it is done.
  let last = -1;
  await waitUntil(
    async () => {
      const files = done();
      if (files.length < n) return false;
      const size = statSync(path.join(dir, files[n - 1]!)).size;
      const settled = size === last && size > 0;
      last = size;
      await sleep(500);
      return settled;
    },
    'heap snapshot',
    120_000,
  );
  return path.join(dir, done()[n - 1]!);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-heap-'));
  const redis = await startRedis();
  const server = await startServerProcess(
    { REDIS_URL: redis.url, JWT_SECRET, ADMIN_API_KEY: 'bench-admin-api-key-0123456789', MAX_CONNECTIONS_PER_IP: '1000000' },
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
  );
  const clients: WireClient[] = [];
  try {
    await sleep(1_000);
    const idle = await snapshot(server.pid, dir, 1);
    const rssIdle = procStatus(server.pid, 'VmRSS');
    console.log(`bench:heap: ${DEVICES} headsets, load average ${os.loadavg()[0]!.toFixed(1)}`);
    for (let i = 0; i < DEVICES; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, DEVICES - i) }, async (_, j) => {
          const id = `BENCH_${i + j}`;
          const client = await WireClient.connect(server.url, tokens.sign(id, 'headset'));
          client.answer('on-time-sync', () => ({ deviceTime: Date.now() }));
          clients.push(client);
          await client.ask('headset-identify', id);
          client.emit('device-telemetry', { deviceId: id, timestamp: Date.now(), batteryLevel: 0.5, isRecording: false });
        }),
      );
    }
    await sleep(2_000);
    const rssConnected = procStatus(server.pid, 'VmRSS');
    const connected = await snapshot(server.pid, dir, 2);
    const [a, b] = [tally(idle), tally(connected)];
    const perDevice = (bytes: number) => `${(bytes / DEVICES / 1024).toFixed(1)} KB`;
    console.log(`\n| per connected headset | |\n| --- | --- |`);
    console.log(`| resident size, right after connecting | ${perDevice(rssConnected - rssIdle)} |`);
    console.log(`| JS heap kept alive (snapshot difference) | ${perDevice(b.total - a.total)} |`);
    console.log(`\nWhat holds it (JS heap, per headset, largest first):\n| kind | bytes | objects |\n| --- | --- | --- |`);
    const rows = [...b.bytes].map(([kind, bytes]) => [kind, bytes - (a.bytes.get(kind) ?? 0)] as const).sort((x, y) => y[1] - x[1]);
    for (const [kind, bytes] of rows.slice(0, 20)) {
      const objects = ((b.counts.get(kind) ?? 0) - (a.counts.get(kind) ?? 0)) / DEVICES;
      console.log(`| ${kind} | ${(bytes / DEVICES).toFixed(0)} | ${objects.toFixed(1)} |`);
    }
  } finally {
    await server.stop();
    for (const c of clients) c.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

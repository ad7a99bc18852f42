/**
 * npm run bench:heap [-- --devices 2000 --closures 1]
 *
 * What each connected headset costs the server in memory, and what holds it.
 * One built server (its own process, on a private Redis) takes a heap snapshot
 * idle, then N headsets connect, identify and send one telemetry message, and
 * it takes a second one. Snapshots force a full GC, so their difference is what
 * the connections keep alive (not the garbage of connecting, which the
 * resident size right after a connect storm also counts). Prints the retained
 * JS heap per device by kind of object, beside the resident size per device
 * right after connecting (after a snapshot, resident size also holds the
 * snapshot's own memory, so it is not printed). The same for bench/scale/bare-server.cjs,
 * the floor of the stack, and the difference by kind: what this server adds per headset.
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
/** --closures 1: closures by their function's name instead of one 'closure' row (which handlers each socket holds). */
const BY_CLOSURE = numberOption('closures', 0) === 1;
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
      type === 'object' || type === 'native'
        ? heap.strings[heap.nodes[i + nameAt]!]!
        : type === 'closure'
          ? BY_CLOSURE
            ? `closure ${heap.strings[heap.nodes[i + nameAt]!] || '(anonymous)'}`
            : 'closure'
          : `(${type})`;
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

interface Measured {
  rssPerDevice: number;
  heapPerDevice: number;
  /** Retained bytes and objects per device, by kind of object. */
  kinds: Map<string, { bytes: number; objects: number }>;
}

const BARE_SERVER = path.join(__dirname, 'bare-server.cjs');

/** One server process (this one, or the bare Socket.IO floor) on its own Redis: snapshots idle and with DEVICES headsets. */
async function measure(kind: 'capture' | 'bare'): Promise<Measured> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-heap-'));
  const redis = await startRedis();
  const server = await startServerProcess(
    { REDIS_URL: redis.url, JWT_SECRET, ADMIN_API_KEY: 'bench-admin-api-key-0123456789', MAX_CONNECTIONS_PER_IP: '1000000' },
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
    undefined,
    kind === 'bare' ? BARE_SERVER : undefined,
  );
  const clients: WireClient[] = [];
  try {
    await sleep(1_000);
    const idle = await snapshot(server.pid, dir, 1);
    const rssIdle = procStatus(server.pid, 'VmRSS');
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
    const kinds = new Map<string, { bytes: number; objects: number }>();
    for (const [name, bytes] of b.bytes) {
      const objects = (b.counts.get(name) ?? 0) - (a.counts.get(name) ?? 0);
      kinds.set(name, { bytes: (bytes - (a.bytes.get(name) ?? 0)) / DEVICES, objects: objects / DEVICES });
    }
    return { rssPerDevice: (rssConnected - rssIdle) / DEVICES, heapPerDevice: (b.total - a.total) / DEVICES, kinds };
  } finally {
    await server.stop();
    for (const c of clients) c.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:heap: ${DEVICES} headsets, this server beside the bare Socket.IO server; load average ${os.loadavg()[0]!.toFixed(1)}`);
  const bare = await measure('bare');
  const capture = await measure('capture');
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`\n| per connected headset | this server | bare | difference |\n| --- | --- | --- | --- |`);
  console.log(
    `| resident size, right after connecting | ${kb(capture.rssPerDevice)} | ${kb(bare.rssPerDevice)} | ${kb(capture.rssPerDevice - bare.rssPerDevice)} |`,
  );
  console.log(
    `| JS heap kept alive (snapshot difference) | ${kb(capture.heapPerDevice)} | ${kb(bare.heapPerDevice)} | ${kb(capture.heapPerDevice - bare.heapPerDevice)} |`,
  );
  console.log(`\nWhat holds the difference (JS heap per headset, largest first; bytes and objects, this server / bare):`);
  console.log('| kind | this server | bare | difference | objects |\n| --- | --- | --- | --- | --- |');
  const names = new Set([...capture.kinds.keys(), ...bare.kinds.keys()]);
  const none = { bytes: 0, objects: 0 };
  const rows = [...names]
    .map((name) => ({ name, c: capture.kinds.get(name) ?? none, b: bare.kinds.get(name) ?? none }))
    .sort((x, y) => y.c.bytes - y.b.bytes - (x.c.bytes - x.b.bytes));
  for (const { name, c, b } of rows.slice(0, 40)) {
    console.log(
      `| ${name} | ${c.bytes.toFixed(0)} | ${b.bytes.toFixed(0)} | ${(c.bytes - b.bytes).toFixed(0)} | ${c.objects.toFixed(1)} / ${b.objects.toFixed(1)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

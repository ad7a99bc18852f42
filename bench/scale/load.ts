import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TokenService } from '../../src/auth';
import { WireClient } from '../frames/sio-wire';
import { expectOk, inBatches } from '../lib/clients';
import { percentile, procStatus } from '../lib/process';
import { startRedis, startServerProcess, type ServerProcess } from '../lib/processes';

/**
 * One bench:scale run: P server processes on one private Redis, N headsets
 * sending telemetry at 1 Hz, K subscribed dashboards. The simulated clients
 * speak the Socket.IO wire protocol over bare `ws` (bench/frames/sio-wire.ts):
 * socket.io-client costs several times more CPU per socket, and at 10,000
 * devices the load generator would measure itself.
 */

export type Subscription = 'per-update' | 'batched';

export interface RunShape {
  processes: number;
  devices: number;
  dashboards: number;
  seconds: number;
  subscription: Subscription;
  batchMs: number;
  /** Another checkout whose server runs instead of this one (a baseline build, bench:scale --against). */
  root?: string;
  /** Node flags for the servers of this run, instead of BENCH_SERVER_FLAGS. */
  flags?: readonly string[];
  /** 'bare': bench/scale/bare-server.cjs, the floor of the stack doing the same work per update, instead of this server. */
  server?: 'capture' | 'bare';
  /**
   * Awaited once the clients are connected, before telemetry starts: two runs side by side
   * pass the same barrier, so their windows cover the same seconds of the same machine.
   */
  beforeTelemetry?: () => Promise<void>;
}

export interface RunResult extends RunShape {
  sent: number;
  expected: number;
  delivered: number;
  perSecond: number;
  deliveredPct: number;
  p50: number;
  p99: number;
  /** Server CPU over the window, summed over processes, in % of one core. */
  cpuPct: number;
  /** Write syscalls the servers made over the window (/proc/PID/io: an exact count, unlike CPU time). */
  serverWrites: number;
  /** The load generator's (this process's) and Redis's CPU over the window, in % of one core: the rest of the machine. */
  generatorCpuPct: number;
  redisCpuPct: number;
  peakRssMiB: number;
  /** Resident memory the connected, identified, idle headsets added, per device (largest process). */
  kbPerDevice: number;
  /** Messages the dashboards received per second (each batch counts once). */
  messagesPerSecond: number;
  /** The load generator's own event-loop delay p99: when high, it sends and reads late. */
  generatorLagP99: number;
}

const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';
const tokens = new TokenService(JWT_SECRET, '1h');
/** How long after the window late updates are still waited for; slower ones count as lost. */
const DRAIN_MS = 3_000;
const WARM_UP_MS = 3_000;
/** BENCH_SERVER_FLAGS passes node flags to the servers (e.g. --cpu-prof), as in bench:upload and bench:frames. */
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BARE_SERVER = path.join(__dirname, 'bare-server.cjs');

/** A realistic telemetry message (the fields a Quest build sends every second). */
export function telemetry(id: string, i: number) {
  return {
    deviceId: id,
    timestamp: Date.now(),
    batteryLevel: 0.5 + (i % 50) / 100,
    batteryState: 2,
    wifiSignalLevel: -50 - (i % 30),
    storageUsedBytes: 12_000_000_000 + i,
    storageTotalBytes: 128_000_000_000,
    leftHandTracked: true,
    rightHandTracked: true,
    trackingConfidence: 0.9,
    isRecording: false,
    frameCount: i,
    cpuTemperature: 41.5,
  };
}

export async function runScale(shape: RunShape): Promise<RunResult> {
  const { processes, devices, dashboards, seconds, subscription, batchMs } = shape;
  const redis = await startRedis();
  const env = {
    REDIS_URL: redis.url,
    JWT_SECRET,
    ADMIN_API_KEY: 'bench-admin-api-key-0123456789',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    // Every simulated client comes from 127.0.0.1: the per-address limit (200 by default) would refuse them.
    MAX_CONNECTIONS_PER_IP: '1000000',
    TELEMETRY_BATCH_MS: String(batchMs),
  };
  const servers: ServerProcess[] = [];
  const clients: WireClient[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const timers: NodeJS.Timeout[] = [];
  try {
    const script = shape.server === 'bare' ? BARE_SERVER : undefined;
    for (let i = 0; i < processes; i++) servers.push(await startServerProcess(env, shape.flags ?? SERVER_FLAGS, shape.root, script));
    // Receipts are attributed to the window by their send time, so slow ones count where they belong.
    const sentAt: number[] = [];
    const latency: number[] = [];
    let messages = 0;
    let measuring = false;
    const receive = (u: { telemetry?: { timestamp?: number } | null } | undefined) => {
      const ts = u?.telemetry?.timestamp;
      if (typeof ts !== 'number') return;
      sentAt.push(ts);
      latency.push(Date.now() - ts);
    };
    for (let d = 0; d < dashboards; d++) {
      const client = await WireClient.connect(servers[d % processes]!.url, tokens.sign(`DASH_${d}`, 'dashboard'));
      clients.push(client);
      if (subscription === 'batched') {
        client.on('on-fleet-telemetry-batch', ([batch]) => {
          if (measuring) messages++;
          for (const u of (batch as { updates: Array<Parameters<typeof receive>[0]> }).updates) receive(u);
        });
        await expectOk(client.ask('dashboard-subscribe', { telemetry: 'batched' }), 'dashboard-subscribe');
      } else {
        client.on('on-device-telemetry-updated', ([u]) => {
          if (measuring) messages++;
          receive(u as Parameters<typeof receive>[0]);
        });
        await expectOk(client.ask('dashboard-subscribe'), 'dashboard-subscribe');
      }
    }
    await sleep(500);
    const rssBefore = servers.map((s) => procStatus(s.pid, 'VmRSS'));
    const headsets = await inBatches(devices, async (h) => {
      const id = `BENCH_${h}`;
      const client = await WireClient.connect(servers[h % processes]!.url, tokens.sign(id, 'headset'));
      // A headset answers the server's clock measurement, as a real one does.
      client.answer('on-time-sync', () => ({ deviceTime: Date.now() }));
      clients.push(client);
      await expectOk(client.ask('headset-identify', id), `identify ${id}`);
      return { client, id };
    });
    await sleep(1_000);
    await shape.beforeTelemetry?.();
    const perProcess = Math.ceil(devices / processes);
    const kbPerDevice = Math.max(...servers.map((s, i) => (procStatus(s.pid, 'VmRSS') - rssBefore[i]!) / 1024 / perProcess));

    // Each headset sends once a second, spread evenly over the second.
    let sent = 0;
    headsets.forEach(({ client, id }, i) => {
      timers.push(
        setTimeout(
          () => {
            const send = () => {
              if (measuring) sent++;
              client.emit('device-telemetry', telemetry(id, i));
            };
            send();
            timers.push(setInterval(send, 1_000));
          },
          (1_000 * i) / devices,
        ),
      );
    });
    await sleep(WARM_UP_MS);
    const cpuBefore = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    const writesBefore = servers.reduce((sum, s) => sum + s.writeSyscalls(), 0);
    const generatorBefore = process.cpuUsage();
    const redisBefore = redis.cpuSeconds();
    lag.enable();
    const windowStart = Date.now();
    measuring = true;
    await sleep(seconds * 1_000);
    measuring = false;
    const windowEnd = Date.now();
    lag.disable();
    const cpuAfter = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    const serverWrites = servers.reduce((sum, s) => sum + s.writeSyscalls(), 0) - writesBefore;
    const generator = process.cpuUsage(generatorBefore);
    const redisCpu = redis.cpuSeconds() - redisBefore;
    for (const t of timers) clearInterval(t);
    await sleep(DRAIN_MS + (subscription === 'batched' ? batchMs : 0)); // late updates of the window still count
    const inWindow: number[] = [];
    for (let i = 0; i < sentAt.length; i++) if (sentAt[i]! >= windowStart && sentAt[i]! < windowEnd) inWindow.push(latency[i]!);
    inWindow.sort((a, b) => a - b);
    const expected = sent * dashboards;
    return {
      ...shape,
      sent,
      expected,
      delivered: inWindow.length,
      perSecond: inWindow.length / seconds,
      deliveredPct: expected === 0 ? 0 : (100 * inWindow.length) / expected,
      p50: percentile(inWindow, 50),
      p99: percentile(inWindow, 99),
      cpuPct: (100 * (cpuAfter - cpuBefore)) / seconds,
      serverWrites,
      generatorCpuPct: (generator.user + generator.system) / 1e4 / seconds,
      redisCpuPct: (100 * redisCpu) / seconds,
      peakRssMiB: Math.max(...servers.map((s) => s.peakRssMiB())),
      kbPerDevice,
      messagesPerSecond: messages / seconds / dashboards,
      generatorLagP99: lag.percentile(99) / 1e6,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    // Servers first, so the TIME_WAIT ends are theirs and not this process's ephemeral ports.
    await Promise.all(servers.map((s) => s.stop()));
    for (const c of clients) c.close();
    await redis.stop();
  }
}

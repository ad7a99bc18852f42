import os from 'node:os';
import { ask, connected, connectSocket, type CaptureSocket } from '@capture-backend/client';
import { TokenService } from '../../src/auth';
import { percentile } from '../lib/process';
import { flagOption, numberOption } from '../lib/options';
import { startRedis, startServerProcess, type ServerProcess } from '../lib/processes';

/**
 * npm run bench:timeline [-- --timeline-devices 800 --dashboards 4 --seconds 15 --quick]
 *
 * The timeline's cost on telemetry: headsets send telemetry at 1 Hz to one
 * server process (on its own Redis) while K dashboards receive every update,
 * once with TIMELINE_ENABLED=false (the baseline) and once with true, in the
 * same run, and the ratio of what was delivered (target: at least 90 %).
 * (bench:scale measures the per-update and batched subscriptions.)
 */

const quick = flagOption('quick');
const DASHBOARDS = numberOption('dashboards', 4);
const SECONDS = numberOption('seconds', quick ? 6 : 15);
const TIMELINE_DEVICES = numberOption('timeline-devices', quick ? 200 : 800);
/** How long after the window late updates are still waited for; slower ones count as lost. */
const DRAIN_MS = 3_000;
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';
const tokens = new TokenService(JWT_SECRET, '1h');

interface Result {
  processes: number;
  devices: number;
  dashboards: number;
  expected: number;
  delivered: number;
  perSecond: number;
  deliveredPct: number;
  p50: number;
  p99: number;
  peakRssMiB: number;
  cpuPct: number;
}

/** A device's connection through the typed client (@capture-backend/client, packages/client). */
async function connect(url: string, deviceId: string, type: 'headset' | 'dashboard'): Promise<CaptureSocket> {
  const socket = connectSocket(url, { token: tokens.sign(deviceId, type), reconnection: false });
  await connected(socket);
  return socket;
}

async function run(
  processes: number,
  devices: number,
  dashboards: number,
  seconds: number,
  extraEnv: Record<string, string> = {},
): Promise<Result> {
  const redis = await startRedis();
  const env = {
    ...extraEnv,
    REDIS_URL: redis.url,
    JWT_SECRET,
    ADMIN_API_KEY: 'bench-admin-api-key-0123456789',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    MAX_CONNECTIONS_PER_IP: '100000',
  };
  const servers: ServerProcess[] = [];
  const sockets: CaptureSocket[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await startServerProcess(env));
    // Receipts are attributed to the window by their send time, so slow ones count where they belong.
    const receipts: Array<{ sentAt: number; latency: number }> = [];
    let measuring = false;
    for (let d = 0; d < dashboards; d++) {
      const socket = await connect(servers[d % processes]!.url, `DASH_${d}`, 'dashboard');
      socket.on('on-device-telemetry-updated', (u) => {
        const sentAt = u.telemetry?.timestamp;
        if (typeof sentAt === 'number') receipts.push({ sentAt, latency: Date.now() - sentAt });
      });
      await ask(socket, 'dashboard-subscribe');
      sockets.push(socket);
    }
    const headsets: Array<{ socket: CaptureSocket; id: string }> = [];
    for (let h = 0; h < devices; h++) {
      const id = `BENCH_${h}`;
      const socket = await connect(servers[h % processes]!.url, id, 'headset');
      await ask(socket, 'headset-identify', id);
      headsets.push({ socket, id });
      sockets.push(socket);
    }
    // Each headset sends once a second, spread evenly over the second.
    let sent = 0;
    const timers = headsets.map<NodeJS.Timeout>(({ socket, id }, i) =>
      setTimeout(
        () => {
          const send = () => {
            if (measuring) sent++;
            socket.emit('device-telemetry', { deviceId: id, timestamp: Date.now(), batteryLevel: 0.5 + (i % 50) / 100, frameCount: i });
          };
          send();
          timers[i] = setInterval(send, 1_000);
        },
        (1_000 * i) / devices,
      ),
    );
    await new Promise((r) => setTimeout(r, 2_000)); // warm-up
    const cpuBefore = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    const windowStart = Date.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, seconds * 1_000));
    measuring = false;
    const windowEnd = Date.now();
    const cpuAfter = servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
    for (const t of timers) clearInterval(t);
    await new Promise((r) => setTimeout(r, DRAIN_MS)); // late updates of the window still count
    const latencies = receipts
      .filter((r) => r.sentAt >= windowStart && r.sentAt < windowEnd)
      .map((r) => r.latency)
      .sort((a, b) => a - b);
    const expected = sent * dashboards;
    return {
      processes,
      devices,
      dashboards,
      expected,
      delivered: latencies.length,
      perSecond: latencies.length / seconds,
      deliveredPct: expected === 0 ? 0 : (100 * latencies.length) / expected,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      peakRssMiB: Math.max(...servers.map((s) => s.peakRssMiB())),
      cpuPct: (100 * (cpuAfter - cpuBefore)) / seconds,
    };
  } finally {
    for (const s of sockets) s.close();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  }
}

const fmt = (r: Result) =>
  `| ${r.processes} | ${r.devices} | ${r.dashboards} | ${r.perSecond.toFixed(0)} | ${r.deliveredPct.toFixed(1)} % | ${r.p50} ms | ${r.p99} ms | ${r.cpuPct.toFixed(0)} % | ${r.peakRssMiB.toFixed(0)} MiB |`;
const HEADER =
  '| processes | devices | dashboards | delivered/s | delivered | p50 | p99 | server CPU (sum) | peak RSS (largest process) |\n|---|---|---|---|---|---|---|---|---|';

async function main(): Promise<void> {
  console.log(
    `bench:timeline: ${TIMELINE_DEVICES} devices at 1 Hz, ${DASHBOARDS} dashboards, ${SECONDS} s per run${quick ? ' (quick)' : ''}\n`,
  );
  await timelineCost();
}

async function timelineCost(): Promise<void> {
  console.log(`\nTelemetry with the timeline off (baseline) and on, one process, ${TIMELINE_DEVICES} devices`);
  const off = await run(1, TIMELINE_DEVICES, DASHBOARDS, SECONDS, { TIMELINE_ENABLED: 'false' });
  const on = await run(1, TIMELINE_DEVICES, DASHBOARDS, SECONDS, { TIMELINE_ENABLED: 'true' });
  console.log(HEADER);
  console.log(`${fmt(off)} timeline off`);
  console.log(`${fmt(on)} timeline on`);
  const ratio = on.perSecond / off.perSecond;
  console.log(
    `ratio on / off: delivered/s ${ratio.toFixed(2)} (target >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'}), ` +
      `server CPU ${(on.cpuPct / Math.max(off.cpuPct, 0.001)).toFixed(2)}, p99 ${(on.p99 / Math.max(off.p99, 1)).toFixed(2)}`,
  );
  console.log(
    `load average (1, 5, 15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} on ${os.cpus().length} cores`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

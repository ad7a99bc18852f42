/**
 * npm run bench:alarms [-- --devices 1000 --seconds 8 --rounds 3 --redis]
 *
 * What the alarm rules add to the server's whole handling of a telemetry
 * update (issue 19: "under 10 % more CPU at 1,000 devices at 1 Hz"). Two real
 * servers, built as production runs them (node dist/server.js, the composition
 * root), differ only in ALARMS_ENABLED: false is the baseline, true the
 * measured side. Each has its own fleet of headsets on real Socket.IO
 * connections (the light `ws` client of bench:scale) and one dashboard
 * subscribed to every update. In each round one fleet at a time sends
 * telemetry at 1 Hz, spread over the second; the CPU of that server's process
 * (/proc, user + system) over the window is divided by the updates its
 * dashboard received that were sent in the window. Rounds alternate, and the
 * side that goes first swaps each round, so the machine's drifting load falls
 * on both. Memory store by default; with --redis each server gets a private
 * redis-server on a free port (its CPU is not counted: the figure is the
 * server process's).
 *
 * Telemetry is the simulator's (scripts/simulate): batteries drain, storage
 * fills, temperatures and hands wander, half the fleet records, and each second
 * per 1,000 headsets one battery collapses and one headset loses its hands, so
 * alarms are raised, repeated and cleared while measured (far more often than
 * in a lab).
 *
 * BENCH_SERVER_FLAGS passes node flags to both servers (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof"), as in bench:scale.
 */
import os from 'node:os';
import { TokenService } from '../src/auth';
import { Random } from '../scripts/simulate/random';
import { TelemetryDrift } from '../scripts/simulate/telemetry';
import { WireClient } from './frames/sio-wire';
import { expectOk, inBatches } from './lib/clients';
import { startRedis, startServerProcess, type RedisProcess, type ServerProcess } from './lib/processes';
import { numberOption, flagOption } from './lib/options';

const DEVICES = numberOption('devices', 1000);
const SECONDS = numberOption('seconds', 8);
const ROUNDS = numberOption('rounds', 3);
const REDIS = flagOption('redis');
/** Before each measured window: the rate is steady. */
const WARM_UP_MS = 2_000;
/** Each side's first sending, unmeasured: the first messages of each headset (first-look clears) and the JIT's warm-up. */
const FIRST_WARM_UP_MS = 5_000;
/** How long after the window late updates are still counted. */
const DRAIN_MS = 700;
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';
const tokens = new TokenService(JWT_SECRET, '1h');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Headset {
  client: WireClient;
  id: string;
  drift: TelemetryDrift;
}

/** One server under test with its fleet and its dashboard's receipts (send times of the updates it got). */
interface Side {
  name: 'off' | 'on';
  server: ServerProcess;
  redis?: RedisProcess;
  dashboard: WireClient;
  headsets: Headset[];
  receipts: number[];
  second: number;
}

const deviceId = (i: number) => `BENCH_${String(i).padStart(4, '0')}`;

async function startSide(name: Side['name']): Promise<Side> {
  const redis = REDIS ? await startRedis() : undefined;
  const server = await startServerProcess(
    {
      ALARMS_ENABLED: String(name === 'on'),
      JWT_SECRET,
      ADMIN_API_KEY: 'bench-admin-api-key-0123456789',
      SOCKET_EVENTS_PER_SECOND: '1000',
      SOCKET_EVENT_BURST: '1000',
      // Every simulated client comes from 127.0.0.1: the per-address limit would refuse them.
      MAX_CONNECTIONS_PER_IP: '1000000',
      ...(redis ? { REDIS_URL: redis.url } : {}),
    },
    SERVER_FLAGS,
  );
  const dashboard = await WireClient.connect(server.url, tokens.sign(`DASH_${name}`, 'dashboard'));
  const side: Side = { name, server, redis, dashboard, headsets: [], receipts: [], second: 0 };
  dashboard.on('on-device-telemetry-updated', ([u]) => {
    const ts = (u as { telemetry?: { timestamp?: number } } | undefined)?.telemetry?.timestamp;
    if (typeof ts === 'number') side.receipts.push(ts);
  });
  await expectOk(dashboard.ask('dashboard-subscribe'), 'dashboard-subscribe');
  side.headsets = await inBatches(DEVICES, async (i) => {
    const id = deviceId(i);
    const client = await WireClient.connect(server.url, tokens.sign(id, 'headset'));
    await expectOk(client.ask('headset-identify', id), `identify ${id}`);
    return { client, id, drift: new TelemetryDrift(id, '2.4.0', new Random(i + 1)) };
  });
  return side;
}

async function stopSide(side: Side): Promise<void> {
  // The server first, so the TIME_WAIT ends are its and not this process's ephemeral ports.
  await side.server.stop();
  for (const h of side.headsets) h.client.close();
  side.dashboard.close();
  await side.redis?.stop();
}

interface RoundResult {
  cpuMicros: number;
  sent: number;
  delivered: number;
}

/**
 * One side's fleet sends at 1 Hz for a warm-up and the window; the server's CPU
 * over the window and the updates delivered. `warmUpOnly`: the first sending, not measured.
 */
async function round(side: Side, warmUpOnly = false): Promise<RoundResult | undefined> {
  const timers: NodeJS.Timeout[] = [];
  let measuring = false;
  let sent = 0;
  const n = side.headsets.length;
  // Per 1,000 headsets, each second one headset's battery collapses and another loses its hands for a while
  // (the same rate per headset whatever --devices is, so fleets of any size see as many alarms per update).
  const chaos = () => {
    const s = ++side.second;
    side.headsets[(s * 37) % n]!.drift.drain(0.08, 5_000);
    side.headsets[(s * 53 + 11) % n]!.drift.loseTracking(5_000);
  };
  chaos();
  timers.push(setInterval(chaos, (1_000 * 1_000) / n));
  side.headsets.forEach(({ client, drift }, i) => {
    const send = () => {
      if (measuring) sent++;
      client.emit('device-telemetry', drift.step(1, { active: i % 2 === 0, frames: side.second * 30, sessionSeconds: side.second }));
    };
    timers.push(
      setTimeout(
        () => {
          send();
          timers.push(setInterval(send, 1_000));
        },
        (1_000 * i) / n,
      ),
    );
  });
  await sleep(warmUpOnly ? FIRST_WARM_UP_MS : WARM_UP_MS);
  if (warmUpOnly) {
    for (const t of timers) clearInterval(t);
    return undefined;
  }
  side.receipts.length = 0;
  const cpuBefore = side.server.cpuSeconds();
  const windowStart = Date.now();
  measuring = true;
  await sleep(SECONDS * 1_000);
  measuring = false;
  const windowEnd = Date.now();
  const cpuAfter = side.server.cpuSeconds();
  for (const t of timers) clearInterval(t);
  await sleep(DRAIN_MS);
  const delivered = side.receipts.filter((ts) => ts >= windowStart && ts < windowEnd).length;
  return { cpuMicros: (cpuAfter - cpuBefore) * 1e6, sent, delivered };
}

/** Sum of a counter's series in the server's /metrics (alarms raised, alarm work failed). */
async function counter(side: Side, name: string): Promise<number> {
  const text = await (await fetch(`${side.server.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const sides: Side[] = [];
  try {
    sides.push(await startSide('off'));
    sides.push(await startSide('on'));
    const [off, on] = sides as [Side, Side];
    // The first round of each side is a warm-up: its figures are not counted.
    await round(off, true);
    await round(on, true);
    const perUpdate: Record<Side['name'], number[]> = { off: [], on: [] };
    const lines: string[] = [];
    let saturated = false;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [off, on] : [on, off];
      const parts: string[] = [];
      for (const side of order) {
        const res = (await round(side))!;
        const us = res.cpuMicros / Math.max(1, res.delivered);
        perUpdate[side.name].push(us);
        // Updates still queued at the end were paid for but not counted: the figure would say nothing.
        if (res.delivered < 0.95 * res.sent) saturated = true;
        parts.push(`${side.name} ${us.toFixed(1)} us (${res.delivered}/${res.sent} delivered)`);
      }
      lines.push(`  round ${r + 1}: ${parts.join(', ')}`);
    }
    const base = median(perUpdate.off);
    const rules = median(perUpdate.on);
    const ratio = rules / base;
    const raised = await counter(on, 'turing_alarms_raised_total');
    const failed = await counter(on, 'turing_alarm_failures_total');
    process.stdout.write(
      [
        `bench:alarms  ${DEVICES} headsets at 1 Hz per server, ${REDIS ? 'Redis' : 'memory'} store, one dashboard each, ` +
          `${ROUNDS} rounds of ${SECONDS} s per side (alternating), on ${os.cpus().length} cores`,
        ...lines,
        `  server CPU per delivered telemetry update, alarms off (ALARMS_ENABLED=false): ${base.toFixed(1)} us (median)`,
        `  server CPU per delivered telemetry update, alarms on:                          ${rules.toFixed(1)} us (median)`,
        `  ratio on/off ${ratio.toFixed(3)}: the rules add ${((ratio - 1) * 100).toFixed(1)} % CPU per update ` +
          `(target under 10 %: ${ratio < 1.1 ? 'met' : 'NOT met'})`,
        `  alarms raised on the alarms-on server over the run: ${raised}; alarm work failed: ${failed}`,
        ...(saturated
          ? [
              '  SATURATED: a round delivered under 95 % of what was sent in time; the machine could not carry this load, so the figures mean nothing (try fewer --devices)',
            ]
          : []),
        `  load average (1, 5, 15 min): ${loadBefore} at start, ${loadAverage()} at end`,
      ].join('\n') + '\n',
    );
  } finally {
    await Promise.all(sides.map(stopSide));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * npm run bench:frames [-- --quick | --headsets 50 --seconds 10 --step-seconds 5 --max-headsets 400 --no-step --redis]
 *
 * Live frames through the capture server against a bare `ws` relay with the
 * same fan-out, in the same run: N headsets at 30 fps with 40 KB binary frames,
 * each viewed by the tablet holding it, plus 2 dashboards watching 5 headsets
 * each. Both relays run as their own processes (CPU and peak RSS are theirs
 * alone); the simulated clients run here. Then N steps up to find, for each
 * relay, the most headsets with p99 latency under 100 ms and at least 95 % of
 * frames delivered. --redis runs the capture server on a private Redis (one
 * process, REDIS_URL set) instead of its embedded defaults.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { cpuSeconds, procStatus, writeSyscalls } from '../lib/process';
import { runLoad, summarize, type LoadResult, type LoadSample, type LoadShape } from './load';
import { startBareRelay, startCaptureServer, type RunningRelay } from './targets';
import { startRedis, type RedisProcess } from '../lib/processes';
import { numberOption, flagOption } from '../lib/options';

const quick = flagOption('quick');
const HEADSETS = numberOption('headsets', quick ? 10 : 50);
const SECONDS = numberOption('seconds', quick ? 3 : 10);
const STEP_SECONDS = numberOption('step-seconds', quick ? 2 : 5);
const MAX_HEADSETS = numberOption('max-headsets', quick ? 40 : 400);
const STEPS = (quick ? [10, 20, 40] : [25, 50, 100, 150, 200, 300, 400]).filter((n) => n <= MAX_HEADSETS);
/** The stepping stops starting new runs past this, so the whole benchmark stays bounded. */
const BUDGET_SECONDS = quick ? 90 : 270;
const P99_BUDGET_MS = 100;
const DELIVERED_MIN = 0.95;

const MiB = 1024 * 1024;

interface Measured extends LoadResult {
  headsets: number;
  /** Server CPU over the measured windows, in % of one core. */
  serverCpu: number;
  /** This process (the simulated clients), likewise. */
  clientCpu: number;
  /** Server CPU time and write syscalls per frame delivered (each viewer's copy counts). */
  cpuPerFrameMicros: number;
  writesPerFrame: number;
  peakRssMiB: number;
  /** The relay's own counts over its runs (warm-up included). */
  counters: Record<string, number>;
}

interface Run {
  sample: LoadSample;
  serverCpuSeconds: number;
  serverWrites: number;
  clientCpuSeconds: number;
  peakRssMiB: number;
  counters: Record<string, number>;
}

const shapeFor = (headsets: number, seconds: number): LoadShape => ({
  headsets,
  fps: 30,
  frameBytes: 40 * 1024,
  dashboards: 2,
  headsetsPerDashboard: 5,
  warmupSeconds: quick ? 1 : 2,
  seconds,
  drainSeconds: 1,
});

/** One run against a fresh relay process, so its peak RSS belongs to this load alone. */
async function run(start: () => Promise<RunningRelay>, headsets: number, seconds: number): Promise<Run> {
  const relay = await start();
  try {
    let cpuAt = 0;
    let writesAt = 0;
    let clientAt = process.cpuUsage();
    let serverCpuSeconds = 0;
    let serverWrites = 0;
    let clientCpuSeconds = 0;
    const sample = await runLoad(relay.target, shapeFor(headsets, seconds), (phase) => {
      if (phase === 'start') {
        cpuAt = cpuSeconds(relay.pid);
        writesAt = writeSyscalls(relay.pid);
        clientAt = process.cpuUsage();
        return;
      }
      serverCpuSeconds = cpuSeconds(relay.pid) - cpuAt;
      serverWrites = writeSyscalls(relay.pid) - writesAt;
      const client = process.cpuUsage(clientAt);
      clientCpuSeconds = (client.user + client.system) / 1e6;
    });
    const counters = await relay.counters();
    return { sample, serverCpuSeconds, serverWrites, clientCpuSeconds, peakRssMiB: procStatus(relay.pid, 'VmHWM') / MiB, counters };
  } finally {
    await relay.stop();
  }
}

function pool(headsets: number, runs: Run[]): Measured {
  const wall = runs.reduce((n, r) => n + r.sample.seconds, 0);
  const counters: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
  const summary = summarize(runs.map((r) => r.sample));
  const delivered = summary.deliveredPerSecond * wall;
  const serverCpuSeconds = runs.reduce((n, r) => n + r.serverCpuSeconds, 0);
  return {
    ...summary,
    headsets,
    cpuPerFrameMicros: (serverCpuSeconds / delivered) * 1e6,
    writesPerFrame: runs.reduce((n, r) => n + r.serverWrites, 0) / delivered,
    serverCpu: (serverCpuSeconds / wall) * 100,
    clientCpu: (runs.reduce((n, r) => n + r.clientCpuSeconds, 0) / wall) * 100,
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    counters,
  };
}

async function measure(start: () => Promise<RunningRelay>, headsets: number, seconds: number): Promise<Measured> {
  return pool(headsets, [await run(start, headsets, seconds)]);
}

const passes = (m: Measured) => m.p99 < P99_BUDGET_MS && m.deliveredRatio >= DELIVERED_MIN;
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v: number) => `${fmt(v * 100, 1)} %`;
const ratio = (ours: number, base: number) => (base > 0 && Number.isFinite(ours / base) ? `${fmt((ours / base) * 100)} %` : '–');

function printComparison(ours: Measured, base: Measured): void {
  console.log(`\n${ours.headsets} headsets at 30 fps, 40 KB frames, ${SECONDS} s measured per relay (2 runs each)\n`);
  console.log('| | capture server | bare ws relay | capture / bare |\n| --- | --- | --- | --- |');
  const rows: Array<[string, string, string, string]> = [
    ['frames sent /s', fmt(ours.offeredPerSecond), fmt(base.offeredPerSecond), ratio(ours.offeredPerSecond, base.offeredPerSecond)],
    [
      'frames delivered /s',
      fmt(ours.deliveredPerSecond),
      fmt(base.deliveredPerSecond),
      ratio(ours.deliveredPerSecond, base.deliveredPerSecond),
    ],
    ['delivered', pct(ours.deliveredRatio), pct(base.deliveredRatio), ''],
    ['latency p50', `${fmt(ours.p50, 1)} ms`, `${fmt(base.p50, 1)} ms`, ratio(ours.p50, base.p50)],
    ['latency p95', `${fmt(ours.p95, 1)} ms`, `${fmt(base.p95, 1)} ms`, ratio(ours.p95, base.p95)],
    ['latency p99', `${fmt(ours.p99, 1)} ms`, `${fmt(base.p99, 1)} ms`, ratio(ours.p99, base.p99)],
    ['server CPU (% of one core)', `${fmt(ours.serverCpu)} %`, `${fmt(base.serverCpu)} %`, ratio(ours.serverCpu, base.serverCpu)],
    [
      'server CPU per delivered frame',
      `${fmt(ours.cpuPerFrameMicros)} µs`,
      `${fmt(base.cpuPerFrameMicros)} µs`,
      ratio(ours.cpuPerFrameMicros, base.cpuPerFrameMicros),
    ],
    [
      'server write syscalls per delivered frame',
      fmt(ours.writesPerFrame, 2),
      fmt(base.writesPerFrame, 2),
      ratio(ours.writesPerFrame, base.writesPerFrame),
    ],
    ['server peak RSS', `${fmt(ours.peakRssMiB)} MiB`, `${fmt(base.peakRssMiB)} MiB`, ratio(ours.peakRssMiB, base.peakRssMiB)],
    ['load generator CPU', `${fmt(ours.clientCpu)} %`, `${fmt(base.clientCpu)} %`, ''],
    ['load generator event-loop delay p99', `${fmt(ours.generatorLagP99, 1)} ms`, `${fmt(base.generatorLagP99, 1)} ms`, ''],
    ['most bytes a headset held unsent', `${fmt(ours.maxSendBacklog / 1024)} KiB`, `${fmt(base.maxSendBacklog / 1024)} KiB`, ''],
  ];
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const counted = Object.entries(ours.counters).map(([k, v]) => `${k} ${v}`);
  if (counted.length > 0) console.log(`\ncapture server's own counts over the run: ${counted.join(', ')}`);
}

const stepRow = (m: Measured | undefined) =>
  m
    ? `${fmt(m.deliveredPerSecond)} /s, ${pct(m.deliveredRatio)}, p99 ${fmt(m.p99, 1)} ms, CPU ${fmt(m.serverCpu)} %, ` +
      `generator lag p99 ${fmt(m.generatorLagP99)} ms ${passes(m) ? '✓' : '✗'}`
    : '(not run)';

async function step(began: number): Promise<void> {
  const relays = [
    { name: 'capture server', start: captureServer, best: 0, failedAt: Number.POSITIVE_INFINITY },
    { name: 'bare ws relay', start: startBareRelay, best: 0, failedAt: Number.POSITIVE_INFINITY },
  ];
  const outOfTime = () => (performance.now() - began) / 1000 > BUDGET_SECONDS;
  const rows: string[] = [];
  const runAt = async (n: number) => {
    const results: Array<Measured | undefined> = [];
    for (const relay of relays) {
      // Each relay climbs until it first fails; the two alternate, so machine noise hits both alike.
      if (n >= relay.failedAt || n <= relay.best || outOfTime()) {
        results.push(undefined);
        continue;
      }
      const m = await measure(relay.start, n, STEP_SECONDS);
      if (passes(m)) relay.best = n;
      else relay.failedAt = n;
      results.push(m);
    }
    if (results.some(Boolean)) rows.push(`| ${n} | ${results.map(stepRow).join(' | ')} |`);
  };
  for (const n of STEPS) await runAt(n);
  // One bisection between each relay's last pass and first failure.
  const midpoints = new Set(
    relays.filter((r) => Number.isFinite(r.failedAt) && r.failedAt - r.best > 10).map((r) => Math.round((r.best + r.failedAt) / 2 / 5) * 5),
  );
  for (const n of [...midpoints].sort((a, b) => a - b)) await runAt(n);

  console.log(`\nStepping N (${STEP_SECONDS} s each; pass: p99 < ${P99_BUDGET_MS} ms and ≥ ${DELIVERED_MIN * 100} % delivered)\n`);
  console.log('| headsets | capture server | bare ws relay |\n| --- | --- | --- |');
  for (const row of rows.sort((a, b) => Number(a.split('|')[1]) - Number(b.split('|')[1]))) console.log(row);
  const [ours, base] = relays;
  const bound = (r: (typeof relays)[number]) =>
    Number.isFinite(r.failedAt) ? `${r.best} (failed at ${r.failedAt})` : `≥ ${r.best} (never failed up to ${Math.max(...STEPS)})`;
  console.log(`\nmost headsets within budget: capture server ${bound(ours!)}, bare ws relay ${bound(base!)}`);
  if (base!.best > 0) console.log(`capture / bare: ${ratio(ours!.best, base!.best)}`);
  if (outOfTime()) console.log(`(stepping stopped at the ${BUDGET_SECONDS} s time budget)`);
}

let redis: RedisProcess | undefined;
const captureServer = () => startCaptureServer({ redisUrl: redis?.url });

async function main(): Promise<void> {
  const began = performance.now();
  if (flagOption('redis')) redis = await startRedis();
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(redis ? `capture server: one process on Redis (${redis.url})` : 'capture server: embedded defaults (no Redis)');
  // Two runs each, in the order bare, capture, capture, bare: a machine whose load
  // drifts during the benchmark weighs on both relays alike.
  const half = SECONDS / 2;
  const baseRuns = [await run(startBareRelay, HEADSETS, half)];
  const ourRuns = [await run(captureServer, HEADSETS, half), await run(captureServer, HEADSETS, half)];
  baseRuns.push(await run(startBareRelay, HEADSETS, half));
  const base = pool(HEADSETS, baseRuns);
  const ours = pool(HEADSETS, ourRuns);
  printComparison(ours, base);
  if (!flagOption('no-step')) await step(began);
  console.log(`\ntotal ${fmt((performance.now() - began) / 1000)} s, load average now ${os.loadavg()[0]!.toFixed(1)}`);
}

void main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => redis?.stop());

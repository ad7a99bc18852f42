/**
 * npm run bench:clock [-- --min-samples 20 --lead-ms 1000 --fleets 1,20,200]
 *
 * How well the server knows its headsets' clocks (issue 33, docs/CLOCK.md).
 * A real server (embedded defaults: memory store, CLOCK_* defaults, port 0)
 * runs in this process beside simulated headsets (scripts/simulate) whose
 * clocks are off by up to ±2 s and drift by up to ±50 ppm; each headset's
 * true offset is known, so each estimate's error is: the estimate's offsetMs
 * minus the headset's true offset at the estimate's measuredAt. Fleets of 1,
 * 20 and 200 headsets, each on the bare loopback and with the lab-Wi-Fi
 * jitter (2-20 ms added to each round trip, each way drawn on its own), are
 * measured after the burst at identify; a fleet of one is connected again
 * until there are --min-samples estimates. Printed beside each: the round
 * trips the estimates rest on, and whether any error exceeded half its round
 * trip (the bound the method promises) or the stated uncertainty. The 20
 * headsets with jitter are also measured after --settle-seconds of one
 * exchange a second (CLOCK_SYNC_INTERVAL_MS=1000): what the periodic
 * exchanges and the fitted drift add to the burst.
 *
 * The 20-headset fleets also make --starts synchronized starts (a tablet's
 * start-all with startAt = server time + --lead-ms, in a session; each fleet
 * one): the spread of the starts the server recorded (the ledger's
 * startedAt, the session's startSpreadMs), and the true spread (when the
 * headsets really started, in the reference time), median and largest.
 *
 * Targets (loopback): error p99 ≤ 2 ms and never above half the round trip;
 * start spread ≤ 10 ms. The server and the headsets share this process and
 * its event loop, as they share the machine: queueing in either widens the
 * round trips (and so the bounds), it does not hide an error.
 */
import os from 'node:os';
import type { CaptureServer } from '../src/app';
import { TokenService } from '../src/auth';
import { SimulatedFleet, startLateness, type ClockOptions } from '../scripts/simulate';
import { startServer } from '../test/helpers/start-server';
import { percentile } from './lib/process';
import { numberOption, textOption } from './lib/options';

const MIN_SAMPLES = numberOption('min-samples', 20);
const LEAD_MS = numberOption('lead-ms', 1_000);
/** The 20 headsets with jitter are also measured after this long of one exchange a second (the drift is fitted after a minute). */
const SETTLE_SECONDS = numberOption('settle-seconds', 75);
/** Synchronized starts per link, each with a fleet of its own (a new burst, new clocks). */
const STARTS = numberOption('starts', 5);
const FLEETS = textOption('fleets', '1,20,200').split(',').map(Number);
const SPREAD_HEADSETS = 20;
const LINKS: ReadonlyArray<{ name: string; jitter: Pick<ClockOptions, 'minJitterMs' | 'maxJitterMs'> }> = [
  { name: 'loopback', jitter: { minJitterMs: 0, maxJitterMs: 0 } },
  { name: 'jitter 2-20 ms', jitter: { minJitterMs: 2, maxJitterMs: 20 } },
];
const TARGET_P99_MS = 2;
const TARGET_SPREAD_MS = 10;
/** How long a fleet may take to be measured, or a start to be reported. */
const WAIT_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function until<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  const giveUpAt = Date.now() + WAIT_MS;
  for (;;) {
    const got = await get();
    if (got !== undefined) return got;
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** One estimate against the truth. */
interface Sample {
  errorMs: number;
  rttMs: number;
  uncertaintyMs: number;
  /** The fitted drift's error; undefined while not fitted. */
  driftErrorPpm?: number;
}

interface StartFigures {
  ledgerSpreadMs: number;
  sessionSpreadMs: number | undefined;
  trueSpreadMs: number;
  maxStartErrorMs: number;
  /** The latest true start after startAt (reference time). */
  trueLateMs: number;
  /** The machine's share: how late the simulator woke for the starts, and the longest it was descheduled while watching. */
  wakeLateMs: number;
  stallMs: number;
}

function fleetFor(server: CaptureServer, headsets: number, jitter: Pick<ClockOptions, 'minJitterMs' | 'maxJitterMs'>, prefix: string) {
  const tokens = new TokenService(server.config.auth.jwtSecret, '1h');
  return new SimulatedFleet({
    url: server.url(),
    mintToken: async (deviceId, type) => tokens.sign(deviceId, type),
    headsets,
    tablets: headsets === SPREAD_HEADSETS ? 1 : 0,
    tabletSessions: false,
    fps: 0,
    idPrefix: prefix,
    clock: { maxOffsetMs: 2_000, maxDriftPpm: 50, ...jitter },
  });
}

/** Every headset's latest estimate (the first: after its burst), against its true offset. */
async function measure(server: CaptureServer, fleet: SimulatedFleet): Promise<Sample[]> {
  const estimates = await until(`${fleet.headsetIds.length} estimates`, async () => {
    const got = await server.services.clock.estimates(fleet.headsetIds);
    return got.size === fleet.headsetIds.length ? got : undefined;
  });
  return fleet.headsets.map((h) => {
    const e = estimates.get(h.deviceId)!;
    return {
      errorMs: e.offsetMs - h.clock.trueOffset(e.measuredAt),
      rttMs: e.rttMs,
      uncertaintyMs: e.uncertaintyMs,
      driftErrorPpm: e.driftPpm === 0 ? undefined : e.driftPpm - h.clock.profile.driftPpm,
    };
  });
}

/** A tablet's synchronized start of the fleet in a session, and how far apart the headsets started. */
async function synchronizedStart(server: CaptureServer, fleet: SimulatedFleet, commandId: string): Promise<StartFigures> {
  const tablet = fleet.tablets[0]!;
  await until('the tablet to hold every headset', async () =>
    (await tablet.lock()).length === fleet.headsetIds.length ? true : undefined,
  );
  const sessionId = await tablet.openSession(fleet.headsetIds);
  startLateness.reset();
  const { startAt, answer } = await tablet.startAllAt(LEAD_MS, commandId);
  if (!answer.ok) throw new Error(`start-all refused: ${answer.error}`);
  const starts = await until('every start reported', async () => {
    const got = await Promise.all(fleet.headsetIds.map(async (id) => (await server.store.commands.get(`${commandId}.${id}`))?.start));
    const reported = got.flatMap((s) => (s ? [s] : []));
    return reported.length === got.length ? reported : undefined;
  });
  const trueStarts = fleet.headsets.map((h, i) => h.clock.referenceTimeOf(starts[i]!.startedAtDeviceTime!));
  return {
    ledgerSpreadMs: spreadOf(starts.map((s) => s.startedAt)),
    sessionSpreadMs: sessionId ? await sessionStartSpread(server, sessionId) : undefined,
    trueSpreadMs: spreadOf(trueStarts),
    maxStartErrorMs: Math.max(...starts.map((s) => Math.abs(s.startErrorMs ?? Number.NaN))),
    trueLateMs: spreadOf([startAt, ...trueStarts]),
    wakeLateMs: Math.max(0, startLateness.wakeMs),
    stallMs: startLateness.stallMs,
  };
}

/** The session's startSpreadMs as GET /api/sessions/:id shows it. */
async function sessionStartSpread(server: CaptureServer, sessionId: string): Promise<number | undefined> {
  const res = await fetch(`${server.url()}/api/sessions/${sessionId}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  const body = (await res.json()) as { session?: { startSpreadMs?: number } };
  return body.session?.startSpreadMs;
}

const spreadOf = (values: number[]) => Math.max(...values) - Math.min(...values);

interface RunResult {
  headsets: number;
  link: string;
  samples: Sample[];
  starts: StartFigures[];
  /** Measured after SETTLE_SECONDS of periodic exchanges, not right after the burst. */
  settled?: boolean;
}

/** A fleet measured for SETTLE_SECONDS more, one exchange a second: what the periodic exchanges add to the burst. */
async function settled(link: (typeof LINKS)[number]): Promise<RunResult> {
  const server = await startServer({ env: { CLOCK_SYNC_INTERVAL_MS: '1000' } });
  const fleet = fleetFor(server, SPREAD_HEADSETS, link.jitter, 'S');
  try {
    await fleet.start();
    await measure(server, fleet);
    await sleep(SETTLE_SECONDS * 1000);
    return {
      headsets: SPREAD_HEADSETS,
      link: `${link.name}, ${SETTLE_SECONDS} s`,
      samples: await measure(server, fleet),
      starts: [],
      settled: true,
    };
  } finally {
    await fleet.stop(0);
    await server.close();
  }
}

async function run(headsets: number, link: (typeof LINKS)[number]): Promise<RunResult> {
  const server = await startServer();
  const samples: Sample[] = [];
  const starts: StartFigures[] = [];
  try {
    const rounds = Math.max(1, Math.ceil(MIN_SAMPLES / headsets), headsets === SPREAD_HEADSETS ? STARTS : 0);
    for (let r = 0; r < rounds; r++) {
      const fleet = fleetFor(server, headsets, link.jitter, `R${r}`);
      try {
        await fleet.start();
        samples.push(...(await measure(server, fleet)));
        if (headsets === SPREAD_HEADSETS && r < STARTS) starts.push(await synchronizedStart(server, fleet, `bench-start-${r}`));
      } finally {
        await fleet.stop(0);
      }
    }
  } finally {
    await server.close();
  }
  return { headsets, link: link.name, samples, starts };
}

function report(result: RunResult): string {
  const { samples } = result;
  const errors = samples.map((s) => Math.abs(s.errorMs)).sort((a, b) => a - b);
  const rtts = samples.map((s) => s.rttMs).sort((a, b) => a - b);
  const overHalf = samples.filter((s) => Math.abs(s.errorMs) > s.rttMs / 2).length;
  const overBound = samples.filter((s) => Math.abs(s.errorMs) > s.uncertaintyMs).length;
  return [
    String(result.headsets).padStart(8),
    result.link.padEnd(21),
    String(samples.length).padStart(9),
    fmt(percentile(errors, 50)).padStart(8),
    fmt(percentile(errors, 99)).padStart(8),
    fmt(errors.at(-1)!).padStart(8),
    fmt(percentile(rtts, 50)).padStart(8),
    fmt(percentile(rtts, 99)).padStart(8),
    `${overHalf}`.padStart(10),
    `${overBound}`.padStart(10),
  ].join('  ');
}

async function main(): Promise<void> {
  const log = (line = '') => process.stdout.write(`${line}\n`);
  log(`bench:clock  node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAverage()} (1, 5, 15 min)`);
  log('reference: the server’s own wall clock (WallClocks share the process’s calibration), so each true offset is exact');
  log(`clocks: offsets up to ±2 s, drift up to ±50 ppm; each estimate after the burst of 8 exchanges at identify`);
  log();
  log('headsets  link                   estimates  |err| ms: p50       p99      max  rtt ms: p50      p99  >rtt/2  >uncertainty');
  const results: RunResult[] = [];
  for (const link of LINKS) {
    for (const headsets of FLEETS) {
      const result = await run(headsets, link);
      results.push(result);
      log(report(result));
    }
  }
  if (SETTLE_SECONDS > 0) {
    const result = await settled(LINKS[1]!);
    results.push(result);
    log(report(result));
    const drifts = result.samples.flatMap((s) => (s.driftErrorPpm === undefined ? [] : [Math.abs(s.driftErrorPpm)])).sort((a, b) => a - b);
    log(
      `  after ${SETTLE_SECONDS} s: drift fitted for ${drifts.length} of ${result.samples.length} headsets, |error| p50 ${fmt(percentile(drifts, 50), 1)} ppm, max ${fmt(drifts.at(-1) ?? Number.NaN, 1)} ppm`,
    );
  }
  log();
  for (const r of results.filter((r) => r.starts.length > 0)) {
    const of = (f: (s: StartFigures) => number) => {
      const values = r.starts.map(f).sort((a, b) => a - b);
      return `${fmt(percentile(values, 50))} / ${fmt(values.at(-1)!)}`;
    };
    log(`synchronized starts of ${r.headsets} headsets, ${r.link}, lead ${LEAD_MS} ms, ${r.starts.length} starts (median / largest):`);
    log(
      `  spread recorded: ${of((s) => s.ledgerSpreadMs)} ms (ledger startedAt), ${of((s) => s.sessionSpreadMs ?? Number.NaN)} ms (session startSpreadMs)`,
    );
    log(
      `  true spread ${of((s) => s.trueSpreadMs)} ms; largest |startErrorMs| ${of((s) => s.maxStartErrorMs)} ms; last true start after startAt ${of((s) => s.trueLateMs)} ms`,
    );
    log(
      `  the machine: the simulator woke late by ${of((s) => s.wakeLateMs)} ms, was away while watching for up to ${of((s) => s.stallMs)} ms`,
    );
  }
  log();
  log(`load average after: ${loadAverage()}`);
  for (const line of verdicts(results)) log(line);
}

function verdicts(results: RunResult[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean, text: string) => lines.push(`${ok ? 'PASS' : 'MISS'}  ${text}`);
  for (const r of results.filter((r) => r.link === 'loopback')) {
    const p99 = percentile(
      r.samples.map((s) => Math.abs(s.errorMs)).sort((a, b) => a - b),
      99,
    );
    verdict(p99 <= TARGET_P99_MS, `error p99 ≤ ${TARGET_P99_MS} ms on loopback at ${r.headsets} headsets: ${fmt(p99)} ms`);
  }
  // Right after the burst an estimate is its best exchange's midpoint: within half that round trip. Later ones are
  // carried along the drift, and promise their uncertainty.
  const burst = results.filter((r) => !r.settled).flatMap((r) => r.samples);
  const worst = Math.max(...burst.map((s) => Math.abs(s.errorMs) - s.rttMs / 2));
  verdict(worst <= 0, `error never above half the round trip (${burst.length} estimates after the burst): worst margin ${fmt(-worst)} ms`);
  const all = results.flatMap((r) => r.samples);
  const over = all.filter((s) => Math.abs(s.errorMs) > s.uncertaintyMs).length;
  verdict(over === 0, `error never above the stated uncertainty (${all.length} estimates): ${over} above`);
  for (const r of results.filter((r) => r.starts.length > 0 && r.link === 'loopback')) {
    const spread = Math.max(...r.starts.map((s) => s.sessionSpreadMs ?? Number.POSITIVE_INFINITY));
    verdict(
      spread <= TARGET_SPREAD_MS,
      `start spread ≤ ${TARGET_SPREAD_MS} ms, ${r.headsets} headsets, ${r.link} (largest session startSpreadMs of ${r.starts.length}): ${fmt(spread, 0)} ms`,
    );
    // What the server cannot see: the estimates' own errors, in when the headsets really started.
    const trueSpread = Math.max(...r.starts.map((s) => s.trueSpreadMs));
    verdict(
      trueSpread <= TARGET_SPREAD_MS,
      `true start spread ≤ ${TARGET_SPREAD_MS} ms, ${r.headsets} headsets, ${r.link} (largest of ${r.starts.length}): ${fmt(trueSpread)} ms`,
    );
  }
  return lines;
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench:clock: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);

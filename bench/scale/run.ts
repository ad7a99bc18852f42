import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runScale, type RunResult, type RunShape, type Subscription } from './load';
import { flagOption, numberOption, textOption } from '../lib/options';
import { cpuPerUpdate, HEADER, passes, ratio, row, writesPerUpdate } from './report';

/**
 * npm run bench:scale [-- --steps 1000,2000,4000,7000,10000 --dashboards 4 --seconds 10 --batch-ms 500
 *                        --budget-seconds 900 --no-cluster --only batched|per-update --processes 2 --quick
 *                        --against ../other-checkout]
 *
 * Headsets send telemetry at 1 Hz to one server process on a private Redis;
 * K dashboards are subscribed. At each step the same load runs twice in the
 * same run: dashboards on the spec's per-update subscription (the baseline:
 * one on-device-telemetry-updated per update per dashboard) and on the
 * batched one (one on-fleet-telemetry-batch per TELEMETRY_BATCH_MS). A step
 * passes with >= 95 % delivered and p99 latency under 250 ms, plus the batch
 * interval for the batched subscription (an update waits up to one interval
 * by design). Stepping stops for a subscription at its first failure.
 *
 * Then several processes at saturation: the most devices one process passes
 * with (batched) is S1; two processes on the same Redis (clients split
 * between them) run at S1 × 1, 1.4, 1.7, 2 until they fail, then once halfway
 * between the last pass and that failure, so the ratio S2 / S1 is measured
 * where one process is at its limit.
 *
 * --against DIR compares two builds instead: at each step this checkout's
 * server and DIR's (another checkout with its node_modules, e.g. a git
 * worktree of main) run side by side, each on its own Redis with the same
 * load, their windows over the same seconds. On a shared machine the CPU per
 * update of one run varies by a quarter from minute to minute; two servers
 * measured in the same seconds vary together, so their ratio is what to read.
 * `--against .` with BENCH_AGAINST_FLAGS compares node flags on one build
 * (BENCH_SERVER_FLAGS for this side, BENCH_AGAINST_FLAGS for the other).
 *
 * New runs stop starting after --budget-seconds, so the benchmark stops by
 * itself; every line prints the load average it ran under.
 */

const quick = flagOption('quick');
const DASHBOARDS = numberOption('dashboards', 4);
const SECONDS = numberOption('seconds', quick ? 5 : 10);
const BATCH_MS = numberOption('batch-ms', 500);
const STEPS = textOption('steps', quick ? '200,1000' : '1000,2000,4000,7000,10000')
  .split(',')
  .map(Number);
const BUDGET_S = numberOption('budget-seconds', quick ? 120 : 900);
const CLUSTER = !flagOption('no-cluster');
/** --only batched | per-update: one subscription (for profiling); the default runs both. */
const ONLY = textOption('only', '');
/** --processes N: the steps run on N processes (to compare two builds there); the saturation section is unchanged. */
const PROCESSES = numberOption('processes', 1);
/** The generator holds every client socket; the host's open-file limit (20,000 here) bounds a run. */
const MAX_DEVICES = numberOption('max-devices', 18_000);
const began = performance.now();
const elapsed = () => (performance.now() - began) / 1000;
const load = () => os.loadavg()[0]!.toFixed(1);

/** A run of this command line's dashboards, window and batch interval. */
const withOptions = (shape: Omit<RunShape, 'dashboards' | 'seconds' | 'batchMs'>): RunShape => ({
  ...shape,
  dashboards: DASHBOARDS,
  seconds: SECONDS,
  batchMs: BATCH_MS,
});

async function measure(shape: Omit<RunShape, 'dashboards' | 'seconds' | 'batchMs'>): Promise<RunResult> {
  const r = await runScale(withOptions(shape));
  console.log(row(r, load()));
  return r;
}

const AGAINST_FLAGS = (process.env.BENCH_AGAINST_FLAGS ?? process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

/** Resolves for everyone once `parties` callers are waiting. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++waiting === parties) release();
    return all;
  };
}

/** --against: this build and another side by side at every step, as ratios. */
async function compareBuilds(other: string): Promise<void> {
  console.log(`This checkout (first row of each pair) against ${other} (second row), side by side, each on its own Redis\n`);
  console.log(HEADER);
  const ratios: string[] = [];
  for (const devices of STEPS) {
    for (const subscription of ['per-update', 'batched'] as const) {
      if (ONLY && ONLY !== subscription) continue;
      if (elapsed() > BUDGET_S) break;
      const shape = withOptions({ processes: PROCESSES, devices, subscription, beforeTelemetry: barrier(2) });
      const [mine, theirs] = await Promise.all([runScale(shape), runScale({ ...shape, root: other, flags: AGAINST_FLAGS })]);
      console.log(row(mine, load()));
      console.log(row(theirs, load()));
      ratios.push(
        `- ${devices} devices, ${subscription}: CPU per update ${ratio(cpuPerUpdate(mine), cpuPerUpdate(theirs))} ` +
          `(${cpuPerUpdate(mine).toFixed(0)} vs ${cpuPerUpdate(theirs).toFixed(0)} µs), ` +
          `writes per update ${writesPerUpdate(mine).toFixed(2)} vs ${writesPerUpdate(theirs).toFixed(2)}, p99 ${mine.p99} vs ${theirs.p99} ms, ` +
          `peak RSS ${ratio(mine.peakRssMiB, theirs.peakRssMiB)}`,
      );
    }
  }
  console.log("\nThis build / the other, same seconds (generator CPU is both runs' clients together):");
  for (const line of ratios) console.log(line);
}

async function main(): Promise<void> {
  const against = textOption('against', '');
  if (against) return compareBuilds(path.resolve(against));
  console.log(
    `bench:scale: telemetry at 1 Hz, ${DASHBOARDS} dashboards, ${SECONDS} s windows, TELEMETRY_BATCH_MS ${BATCH_MS}, ` +
      `steps ${STEPS.join(',')}, load average ${load()} at start\n`,
  );
  console.log(`${PROCESSES === 1 ? 'One process' : `${PROCESSES} processes`}: per-update subscription (baseline) vs batched, same run`);
  console.log(HEADER);
  const best: Partial<Record<Subscription, RunResult>> = {};
  const failed = new Set<Subscription>();
  const pairs: Array<{ perUpdate: RunResult; batched: RunResult }> = [];
  for (const devices of STEPS) {
    if (elapsed() > BUDGET_S) {
      console.log(`(budget of ${BUDGET_S} s spent: no further steps)`);
      break;
    }
    const results: Partial<Record<Subscription, RunResult>> = {};
    for (const subscription of ['per-update', 'batched'] as const) {
      if (failed.has(subscription) || (ONLY && ONLY !== subscription)) continue;
      const r = await measure({ processes: PROCESSES, devices, subscription });
      results[subscription] = r;
      if (passes(r)) best[subscription] = r;
      else failed.add(subscription);
    }
    if (results['per-update'] && results.batched) pairs.push({ perUpdate: results['per-update'], batched: results.batched });
    if (failed.size === 2 || (ONLY && failed.has(ONLY as Subscription))) break;
  }
  console.log('\nBatched / per-update at the same step (same run):');
  for (const { perUpdate: p, batched: b } of pairs) {
    console.log(
      `- ${p.devices} devices: server CPU ${ratio(b.cpuPct, p.cpuPct)} (${cpuPerUpdate(b).toFixed(0)} vs ${cpuPerUpdate(p).toFixed(0)} µs per update), messages per dashboard ${ratio(b.messagesPerSecond, p.messagesPerSecond)}, ` +
        `peak RSS ${ratio(b.peakRssMiB, p.peakRssMiB)}, p99 ${b.p99} vs ${p.p99} ms`,
    );
  }
  for (const s of ['per-update', 'batched'] as const) {
    const r = best[s];
    console.log(
      `most devices passing, ${s}: ${r ? `${r.devices} (p99 ${r.p99} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, ${r.kbPerDevice.toFixed(0)} KB per device)` : 'none'}`,
    );
  }
  if (best.batched && best['per-update'])
    console.log(`batched / per-update, most devices: ${ratio(best.batched.devices, best['per-update'].devices)}`);

  const s1 = best.batched;
  if (!CLUSTER || !s1) return;
  console.log(`\nTwo processes on one Redis at saturation (batched; baseline: one process's ${s1.devices} devices above)`);
  console.log(HEADER);
  let s2: RunResult | undefined;
  let twoFailedAt: number | undefined;
  for (const factor of [1, 1.4, 1.7, 2]) {
    const devices = Math.min(MAX_DEVICES, Math.round(s1.devices * factor));
    if (elapsed() > BUDGET_S) {
      console.log(`(budget of ${BUDGET_S} s spent: no further steps)`);
      break;
    }
    const r = await measure({ processes: 2, devices, subscription: 'batched' });
    if (!passes(r)) {
      twoFailedAt = devices;
      break;
    }
    s2 = r;
    if (devices === MAX_DEVICES) {
      console.log(`(stopped at ${MAX_DEVICES} devices: the load generator's open-file limit)`);
      break;
    }
  }
  // One bisection between the last pass and the first failure, so the ratio is not only a step's factor.
  if (s2 && twoFailedAt !== undefined && elapsed() <= BUDGET_S) {
    const midpoint = Math.round((s2.devices + twoFailedAt) / 2 / 100) * 100;
    if (midpoint > s2.devices && midpoint < twoFailedAt) {
      const r = await measure({ processes: 2, devices: midpoint, subscription: 'batched' });
      if (passes(r)) s2 = r;
    }
  }
  const oneFailedNext = !!failed.has('batched');
  console.log(
    s2
      ? `most devices, 2 processes / 1 process: ${ratio(s2.devices, s1.devices)} (${s2.devices} vs ${s1.devices}` +
          `${oneFailedNext ? '; one process failed the next step' : '; one process never failed, so it was not saturated'})`
      : 'two processes failed at the one-process figure',
  );
  console.log(`\ntotal ${elapsed().toFixed(0)} s, load average now ${load()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import type { RunResult } from './load';

/** How a bench:scale or bench:floor run is printed: one table row per run, and ratios between two. */

export const P99_BUDGET_MS = 250;

export const passes = (r: RunResult) => r.deliveredPct >= 95 && r.p99 < P99_BUDGET_MS + (r.subscription === 'batched' ? r.batchMs : 0);

export const HEADER =
  '| processes | devices | subscription | dashboard msgs/s (each) | updates delivered/s | delivered | p50 | p99 | server CPU | CPU per update | writes per update | peak RSS | KB per device | generator lag p99 | generator CPU | Redis CPU | load avg | pass |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';
/** Server CPU time per telemetry update sent: less sensitive to a busy machine than latency is. */
export const cpuPerUpdate = (r: RunResult) => (r.sent === 0 ? Number.NaN : ((r.cpuPct / 100) * r.seconds * 1e6) / r.sent);
/** Write syscalls per telemetry update sent: an exact count, so it shows how writes are grouped even when CPU time is noise. */
export const writesPerUpdate = (r: RunResult) => (r.sent === 0 ? Number.NaN : r.serverWrites / r.sent);
export const row = (r: RunResult, loadAvg: string) =>
  `| ${r.processes} | ${r.devices} | ${r.subscription} | ${r.messagesPerSecond.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${r.deliveredPct.toFixed(1)} % | ${r.p50} ms | ${r.p99} ms | ${r.cpuPct.toFixed(0)} % | ${cpuPerUpdate(r).toFixed(0)} µs | ${writesPerUpdate(r).toFixed(2)} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.kbPerDevice.toFixed(0)} | ${r.generatorLagP99.toFixed(0)} ms | ${r.generatorCpuPct.toFixed(0)} % | ${r.redisCpuPct.toFixed(0)} % | ${loadAvg} | ${passes(r) ? '✓' : '✗'} |`;

export const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));

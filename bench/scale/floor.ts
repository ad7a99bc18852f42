import os from 'node:os';
import { runScale, type RunResult, type Subscription } from './load';
import { numberOption, textOption } from '../lib/options';
import { cpuPerUpdate, HEADER, ratio, row } from './report';

/**
 * npm run bench:floor [-- --steps 2000,4000 --dashboards 4 --seconds 10 --batch-ms 500 --rounds 2 --only batched|per-update
 *                        --capture-flags "--max-semi-space-size=32"]
 *
 * This server against the floor of its own stack: bench/scale/bare-server.cjs, a bare
 * Socket.IO server doing the same work per update (JWT on connect, the same zod
 * validation, the latest update written to Redis, four dashboards per update or
 * batched). The same load, the same kind of private Redis, one after the other,
 * alternating which goes first each round (the machine's load drifts from minute to
 * minute); printed as ratios of this server to the bare one. --capture-flags gives this
 * server node flags the bare one does not get (how a V8 setting moves it against the floor).
 */

const STEPS = textOption('steps', '2000,4000').split(',').map(Number);
const DASHBOARDS = numberOption('dashboards', 4);
const SECONDS = numberOption('seconds', 10);
const BATCH_MS = numberOption('batch-ms', 500);
const ROUNDS = numberOption('rounds', 2);
const ONLY = textOption('only', '');
const CAPTURE_FLAGS = textOption('capture-flags', '').split(' ').filter(Boolean);
const load = () => os.loadavg()[0]!.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  console.log(
    `This server${CAPTURE_FLAGS.length > 0 ? ` (${CAPTURE_FLAGS.join(' ')})` : ''} against a bare Socket.IO server doing the same work per update; ${os.cpus().length} cores, load ${load()}\n`,
  );
  console.log(HEADER.replace('| processes |', '| server | processes |').replace('|---|', '|---|---|'));
  const summary: string[] = [];
  for (const devices of STEPS) {
    for (const subscription of ['per-update', 'batched'] as const satisfies readonly Subscription[]) {
      if (ONLY && ONLY !== subscription) continue;
      const runs: Record<'capture' | 'bare', RunResult[]> = { capture: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (['bare', 'capture'] as const) : (['capture', 'bare'] as const);
        for (const server of order) {
          const result = await runScale({
            processes: 1,
            devices,
            subscription,
            dashboards: DASHBOARDS,
            seconds: SECONDS,
            batchMs: BATCH_MS,
            server,
            ...(server === 'capture' && CAPTURE_FLAGS.length > 0 ? { flags: CAPTURE_FLAGS } : {}),
          });
          runs[server].push(result);
          console.log(`| ${server} ${row(result, load())}`);
        }
      }
      const cpu = (s: 'capture' | 'bare') => median(runs[s].map(cpuPerUpdate));
      const p99 = (s: 'capture' | 'bare') => median(runs[s].map((r) => r.p99));
      const rss = (s: 'capture' | 'bare') => median(runs[s].map((r) => r.peakRssMiB));
      const kb = (s: 'capture' | 'bare') => median(runs[s].map((r) => r.kbPerDevice));
      const delivered = (s: 'capture' | 'bare') => Math.min(...runs[s].map((r) => r.deliveredPct));
      summary.push(
        `- ${devices} headsets, ${subscription}: CPU per update ${ratio(cpu('capture'), cpu('bare'))}× (${cpu('capture').toFixed(0)} / ${cpu('bare').toFixed(0)} µs), ` +
          `p99 ${p99('capture')} / ${p99('bare')} ms (+${p99('capture') - p99('bare')} ms), ` +
          `peak RSS ${ratio(rss('capture'), rss('bare'))}× (${rss('capture').toFixed(0)} / ${rss('bare').toFixed(0)} MiB), ` +
          `${kb('capture').toFixed(0)} / ${kb('bare').toFixed(0)} KB per connected headset, ` +
          `delivered ≥ ${delivered('capture').toFixed(1)} % / ${delivered('bare').toFixed(1)} %`,
      );
    }
  }
  console.log(`\nThis server / the bare one (medians of ${ROUNDS} rounds; load ${load()} at the end):`);
  for (const line of summary) console.log(line);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { CaptureServer } from '../../src/app';
import { Counter, Gauge, Histogram, Summary } from 'prom-client';

const ROOT = path.resolve(__dirname, '../..');
export const PROMETHEUS_DIR = path.join(ROOT, 'prometheus');

/** Runs Debian's promtool; input goes to stdin. */
export function promtool(args: string[], input?: string): { ok: boolean; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8', input, cwd: PROMETHEUS_DIR });
  if (result.error) throw new Error(`could not run promtool (apt-get install prometheus): ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Gives every labelled turing_* metric one sample, so /metrics shows each family
 * with a series, as a busy server would (a labelled metric with no samples has none).
 */
export function sampleEveryMetric(server: CaptureServer): void {
  for (const metric of server.metrics.registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
    if (!name.startsWith('turing_') || !labelNames?.length) continue;
    const labels = Object.fromEntries(labelNames.map((l) => [l, 'sample']));
    if (metric instanceof Gauge) metric.set(labels, 1);
    else if (metric instanceof Counter) metric.inc(labels);
    else if (metric instanceof Histogram || metric instanceof Summary) metric.observe(labels, 1);
  }
}

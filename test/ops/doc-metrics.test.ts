import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/start-server';

/** Every metric a document names, with the labels it names, is one the server exports. */

const ROOT = path.resolve(__dirname, '../..');
const documents = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

let server: CaptureServer;
let labelsOf: Map<string, Set<string>>;
beforeAll(async () => {
  server = await startServer();
  labelsOf = new Map();
  for (const metric of await server.metrics.registry.getMetricsAsJSON()) {
    const labels = new Set<string>();
    for (const value of metric.values) for (const label of Object.keys(value.labels)) labels.add(label);
    // Labels declared but without samples yet.
    const declared = (server.metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] })?.labelNames ?? [];
    for (const label of declared) labels.add(label);
    labelsOf.set(metric.name, labels);
  }
});
afterAll(() => server?.close());

const exportedName = (name: string) => (labelsOf.has(name) ? name : name.replace(/_(bucket|sum|count)$/, ''));

describe('metric names in the documentation', () => {
  it.each(documents)('%s names only exported metrics and labels', (doc) => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const wrong: string[] = [];
    for (const m of text.matchAll(/\b(turing_[a-z_]*[a-z])(\{([^}]*)\})?/g)) {
      const name = exportedName(m[1]!);
      const labels = labelsOf.get(name);
      if (!labels) {
        wrong.push(`${m[1]} is not exported`);
        continue;
      }
      for (const label of (m[3] ?? '').matchAll(/([a-z_]+)\s*(?:=|,|$)/g)) {
        if (!labels.has(label[1]!) && label[1] !== 'le') wrong.push(`${m[1]} has no label ${label[1]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/start-server';

/** docs/SETUP.md names files of this repository and metrics: they must exist. */

const ROOT = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(ROOT, 'docs', 'SETUP.md'), 'utf8');

describe('docs/SETUP.md', () => {
  it('only refers to files the repository has', () => {
    const paths = new Set(doc.match(/(?:(?<![\w/.-])|(?<=capture-backend\/))(?:nginx|prometheus|grafana|scripts)\/[\w./*-]*[\w*]/g) ?? []);
    expect(paths.size).toBeGreaterThan(5);
    expect(paths).toContain('prometheus/alerts.yml');
    const missing = [...paths].filter((p) => {
      if (!p.includes('*')) return !existsSync(path.join(ROOT, p));
      const dir = path.join(ROOT, path.dirname(p));
      const suffix = path.basename(p).replace('*', '');
      return !existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith(suffix));
    });
    expect(missing).toEqual([]);
    expect(existsSync(path.join(ROOT, 'ecosystem.config.js'))).toBe(true);
  });

  it('documents metrics the server exports, including every one beyond the spec', async () => {
    // Every module registers its own gauges, so the whole list is a built server's.
    const server = await startServer();
    const registry = server.metrics.registry;
    await server.close();
    const exported = new Set(registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name));
    const documented = new Set(doc.match(/\bturing_[a-z_]+/g) ?? []);
    expect([...documented].filter((name) => !exported.has(name))).toEqual([]);
    for (const name of ['turing_device_online', 'turing_device_locked', 'turing_device_recording', 'turing_uploads_oldest_age_seconds']) {
      expect(documented.has(name), name).toBe(true);
    }
  });

  it('lists every alert rule', () => {
    const alerts = [...readFileSync(path.join(ROOT, 'prometheus', 'alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) expect(doc, alert).toContain(`\`${alert}\``);
  });
});

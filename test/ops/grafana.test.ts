import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT, dashboardExpressions, loadDashboards, withoutGrafanaVariables } from '../helpers/promql';
import { promtool } from '../helpers/promtool';

/**
 * Grafana is not packaged by Debian, so the dashboards are checked here: the
 * structure Grafana's importer needs, and every query parsed by promtool.
 */

const dashboards = loadDashboards();
const PANEL_TYPES = new Set(['row', 'stat', 'timeseries', 'gauge', 'bargauge', 'table', 'piechart']);

describe('grafana/dashboards', () => {
  it("holds the spec's three dashboards", () => {
    expect(dashboards.map((d) => d.dashboard.title).sort()).toEqual([
      'Capture Backend / QA Monitoring',
      'Capture Backend / S3 Analytics',
      'Capture Backend / System Overview',
    ]);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  for (const { file, dashboard } of dashboards) {
    describe(file, () => {
      it('is importable: no fixed id, a schema version, a datasource variable for Prometheus', () => {
        expect(dashboard.id).toBeNull();
        expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
        const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
        expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
      });

      it('has panels with unique ids on the 24-column grid, querying the selected datasource', () => {
        const ids = dashboard.panels.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const panel of dashboard.panels) {
          expect(PANEL_TYPES.has(panel.type), `${panel.title}: panel type ${panel.type}`).toBe(true);
          const { x, y, w, h } = panel.gridPos;
          expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `${panel.title}: gridPos`).toBe(true);
          if (panel.type === 'row') continue;
          expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
          expect(panel.targets?.length, `${panel.title} has no query`).toBeGreaterThan(0);
          const refIds = panel.targets!.map((t) => t.refId);
          expect(new Set(refIds).size).toBe(refIds.length);
          for (const target of panel.targets!) expect(target.expr.trim(), panel.title).not.toBe('');
        }
      });

      it('has no overlapping panels', () => {
        const cells = new Map<string, string>();
        for (const panel of dashboard.panels) {
          const { x, y, w, h } = panel.gridPos;
          for (let row = y; row < y + h; row++) {
            for (let col = x; col < x + w; col++) {
              const key = `${row},${col}`;
              expect(cells.get(key), `${panel.title} overlaps ${cells.get(key)}`).toBeUndefined();
              cells.set(key, panel.title);
            }
          }
        }
      });
    });
  }

  it('shows recording verdicts on the QA dashboard: pass rate, pass and fail, states and verification time (issue 18)', () => {
    const qa = dashboards.find((d) => d.dashboard.title.toLowerCase().includes('qa'))!;
    const exprs = dashboardExpressions(qa.dashboard).map((e) => e.expr);
    expect(exprs.filter((e) => e.includes('turing_recordings_by_verdict') && e.includes('verdict="pass"')).length).toBeGreaterThan(0);
    expect(exprs.filter((e) => e.includes('turing_recordings_by_verdict') && e.includes('verdict="fail"')).length).toBeGreaterThan(0);
    expect(exprs.some((e) => e.includes('turing_recordings{') && e.includes('state'))).toBe(true);
    expect(exprs.some((e) => e.includes('turing_recording_verification_seconds_bucket'))).toBe(true);
  });

  it('has only PromQL that promtool parses (each query checked as a recording rule)', () => {
    const expressions = dashboards.flatMap(({ dashboard }) => dashboardExpressions(dashboard));
    expect(expressions.length).toBeGreaterThan(30);
    const rules = {
      groups: [
        {
          name: 'dashboards',
          rules: expressions.map(({ expr }, i) => ({ record: `dashboard_query_${i}`, expr: withoutGrafanaVariables(expr) })),
        },
      ],
    };
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-grafana-')), 'rules.yml');
    writeFileSync(file, stringify(rules));
    const result = promtool(['check', 'rules', file]);
    expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
  });

  it('rejects a broken query, so the check above can fail', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-grafana-')), 'rules.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'x', rules: [{ record: 'broken', expr: 'sum(rate(turing_x[5m])' }] }] }));
    expect(promtool(['check', 'rules', file]).ok).toBe(false);
  });
});

describe('grafana/provisioning', () => {
  // The fields these tests read; toMatchObject checks the rest.
  interface Provisioning {
    apiVersion: number;
    datasources: Array<{ jsonData: { timeInterval: string } }>;
    providers: unknown[];
  }
  const read = (file: string) => parse(readFileSync(path.join(ROOT, 'grafana', 'provisioning', file), 'utf8')) as Provisioning;

  it('provisions the local Prometheus as the default datasource', () => {
    const prometheusConfig = readFileSync(path.join(ROOT, 'prometheus', 'prometheus.yml'), 'utf8');
    const { apiVersion, datasources } = read('datasources/prometheus.yml');
    expect(apiVersion).toBe(1);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://127.0.0.1:9090', isDefault: true });
    // $__rate_interval needs the real scrape interval.
    const scrape = prometheusConfig.match(/scrape_interval: (\S+)/)?.[1];
    expect(datasources[0]?.jsonData.timeInterval).toBe(scrape);
  });

  it('loads the dashboards from a file provider', () => {
    const { apiVersion, providers } = read('dashboards/capture-backend.yml');
    expect(apiVersion).toBe(1);
    expect(providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\//) } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { alertExpressions, dashboardExpressions, loadDashboards, metricNames, withoutGrafanaVariables } from '../helpers/promql';

/** Every metric the alert rules and dashboards query is one the server exports. */

// Made by Prometheus itself, not by the server.
const PROMETHEUS_SERIES = new Set(['up', 'ALERTS']);

describe('metric names in alerts and dashboards', () => {
  let server: CaptureServer;
  let exported: Map<string, string>;

  beforeAll(async () => {
    server = await startServer();
    const text = await (await fetch(`${server.url()}/metrics`)).text();
    // "# TYPE name type" is printed for every registered metric, with or without samples.
    exported = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  });
  afterAll(() => server?.close());

  function isExported(name: string): boolean {
    if (exported.has(name)) return true;
    const histogram = name.match(/^(.*)_(bucket|count|sum)$/);
    return !!histogram && ['histogram', 'summary'].includes(exported.get(histogram[1]!) ?? '');
  }

  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(turing_x_bucket{route=~"a|b"}[5m]))) / on(device_id) group_left max(turing_y offset 1h) or vector(0)',
      ).sort(),
    ).toEqual(['turing_x_bucket', 'turing_y']);
  });

  const queries = [...alertExpressions(), ...loadDashboards().flatMap(({ dashboard }) => dashboardExpressions(dashboard))];

  it('finds queries to check', () => {
    expect(queries.length).toBeGreaterThan(40);
  });

  it('queries only metrics in the live /metrics output', () => {
    const missing: string[] = [];
    for (const { where, expr } of queries) {
      for (const name of metricNames(withoutGrafanaVariables(expr))) {
        if (!PROMETHEUS_SERIES.has(name) && !isExported(name)) missing.push(`${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('reports a metric the server does not export', () => {
    expect(isExported('turing_not_a_metric')).toBe(false);
    expect(isExported('turing_upload_duration_seconds_bucket')).toBe(true);
    expect(isExported('turing_connected_devices_total_bucket')).toBe(false);
  });
});

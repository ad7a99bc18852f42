import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Just enough PromQL reading to list the metric names an expression queries:
 * enough for the shipped alert rules and dashboards, whose syntax is checked by
 * promtool separately.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery durations
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+\d+[smhdwy]/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    // A word followed by "(" is a function or an aggregation, not a metric.
    const calls = /^\s*\(/.test(stripped.slice(match.index + match[0].length));
    if (!calls && !KEYWORDS.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

/** Grafana's built-in and dashboard variables, replaced by values PromQL accepts. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?instance\}?/g, '.*');
}

export const ROOT = path.resolve(__dirname, '../..');
const DASHBOARD_DIR = path.join(ROOT, 'grafana', 'dashboards');

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>;
}

export interface Dashboard {
  id: unknown;
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; datasource?: { uid: string } }> };
}

export function loadDashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(path.join(DASHBOARD_DIR, file), 'utf8')) as Dashboard }));
}

export function dashboardExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ where: `${dashboard.title} / ${panel.title} / ${t.refId}`, expr: t.expr })),
  );
}

export function alertExpressions(): Array<{ where: string; expr: string }> {
  const file = parse(readFileSync(path.join(ROOT, 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
  };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr })));
}

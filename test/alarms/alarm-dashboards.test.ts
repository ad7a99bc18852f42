import { describe, expect, it } from 'vitest';
import { dashboardExpressions, loadDashboards, metricNames } from '../helpers/promql';

/** The system dashboard shows alarms (their queries are parsed by promtool and checked against exported metrics in test/ops). */
describe('the Grafana system dashboard', () => {
  it('has panels on open alarms by type and severity and on alarms raised', () => {
    const system = loadDashboards().find((d) => d.dashboard.title === 'Capture Backend / System Overview')!;
    const queried = new Set(dashboardExpressions(system.dashboard).flatMap(({ expr }) => metricNames(expr)));
    expect(queried).toContain('turing_alarms_active');
    expect(queried).toContain('turing_alarms_raised_total');
    const titles = system.dashboard.panels.map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Critical alarms open', 'Open alarms by type', 'Alarms raised per hour by type']));
  });
});

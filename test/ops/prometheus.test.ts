import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { PROMETHEUS_DIR, promtool, sampleEveryMetric } from '../helpers/promtool';

/** The shipped Prometheus config and alert rules, checked by Debian's promtool. */

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; expr: string }> }>;
}
interface RuleTestFile {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

const TEST_DIR = path.join(PROMETHEUS_DIR, 'tests');
const testFiles = readdirSync(TEST_DIR).filter((f) => f.endsWith('.yml'));

describe('prometheus/', () => {
  it('prometheus.yml passes promtool check config (with its rule files)', () => {
    const result = promtool(['check', 'config', 'prometheus.yml']);
    expect(result.output).toContain('SUCCESS: 1 rule files found');
    expect(result.ok).toBe(true);
  });

  it('alerts.yml passes promtool check rules', () => {
    const result = promtool(['check', 'rules', 'alerts.yml']);
    expect(result.ok, result.output).toBe(true);
  });

  it('every alert passes its promtool unit tests', () => {
    const result = promtool(['test', 'rules', ...testFiles.map((f) => path.join('tests', f))]);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).not.toContain('FAILED');
  });

  it('has a unit test for every alert, both firing and quiet', () => {
    const rules = parse(readFileSync(path.join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as RuleFile;
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => !!a);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'CaptureBackendDown',
        'LockedDeviceOffline',
        'LowBatteryWhileRecording',
        'UploadErrorRateHigh',
        'UploadStuck',
        'LowQualitySessions',
        'StorageAlmostFull',
        'StorageFull',
      ]),
    );
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of testFiles) {
      const suite = parse(readFileSync(path.join(TEST_DIR, file), 'utf8')) as RuleTestFile;
      for (const check of suite.tests.flatMap((t) => t.alert_rule_test ?? [])) {
        (check.exp_alerts?.length ? firing : quiet).add(check.alertname);
      }
    }
    for (const alert of alerts) {
      expect(firing.has(alert), `${alert} has no firing test`).toBe(true);
      expect(quiet.has(alert), `${alert} has no quiet test`).toBe(true);
    }
  });

  it('fails a rule test whose expectation is wrong, so the check above can fail', () => {
    const broken = readFileSync(path.join(TEST_DIR, 'devices_test.yml'), 'utf8').replace('device_id: Q1', 'device_id: Q2');
    // Read from stdin, so the rule file path must be absolute.
    const result = promtool(['test', 'rules', '/dev/stdin'], broken.replace('../alerts.yml', path.join(PROMETHEUS_DIR, 'alerts.yml')));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('FAILED');
  });

  describe('live /metrics', () => {
    let server: CaptureServer;
    beforeAll(async () => {
      server = await startServer();
      sampleEveryMetric(server);
    });
    afterAll(() => server?.close());

    // The spec names these gauges with a counter's "_total" suffix; clients and
    // dashboards use those names, so that one lint is accepted, for them only.
    const SPEC_TOTAL_GAUGES = [
      'turing_connected_devices_total',
      'turing_locked_devices_total',
      'turing_recording_devices_total',
      'turing_sessions_active_total',
      'turing_low_battery_devices_total',
      'turing_dashboard_subscribers_total',
    ];
    const accepted = new Set(SPEC_TOTAL_GAUGES.map((name) => `${name} non-counter metrics should not have "_total" suffix`));

    it('passes promtool check metrics except for the spec gauges named *_total', async () => {
      const text = await (await fetch(`${server.url()}/metrics`)).text();
      const result = promtool(['check', 'metrics'], text);
      const problems = result.output.split('\n').filter((line) => line.trim() !== '');
      expect(problems.filter((line) => !accepted.has(line))).toEqual([]);
      // Every accepted line really is reported: the filter hides nothing else.
      expect(problems.sort()).toEqual([...accepted].sort());
    });
  });
});

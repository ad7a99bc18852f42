import { describe, expect, it } from 'vitest';
import { TelemetryRules } from '../../src/alarms/telemetry-rules';
import { testConfig } from '../../src/config';

const GiB = 1024 ** 3;
const config = testConfig().alarms;

describe('telemetry rules (no I/O)', () => {
  it('storage_low follows minutes of recording left at the observed write rate, with hysteresis', () => {
    const rules = new TelemetryRules(config);
    const total = 100 * GiB;
    // Recording at 1 GiB a minute with 30 GiB free: 30 minutes left, no alarm (and the first look clears nothing open).
    let used = 70 * GiB;
    let now = 1_000_000;
    const step = (minutes: number) => {
      used += minutes * GiB;
      now += minutes * 60_000;
      return rules.evaluate(
        'H1',
        { deviceId: 'H1', timestamp: now, isRecording: true, storageTotalBytes: total, storageUsedBytes: used },
        now,
      );
    };
    rules.evaluate('H1', { deviceId: 'H1', timestamp: now, isRecording: true, storageTotalBytes: total, storageUsedBytes: used }, now);
    expect(step(1)).toEqual([]);
    // 21 minutes later 8 GiB are free: 8 minutes left at the learnt rate (above the 2 GB fallback, so the rate decides).
    const raised = step(21);
    expect(raised).toMatchObject([{ type: 'storage_low', action: 'raise', value: 8 }]);
    expect((raised[0] as { message: string }).message).toMatch(/about 8 minutes/);
    // Freeing space to 12 minutes is inside the band: nothing; above 15 minutes clears.
    used -= 5 * GiB;
    expect(step(1).filter((d) => d.action === 'clear')).toEqual([]);
    used -= 5 * GiB;
    expect(step(1)).toEqual([{ type: 'storage_low', action: 'clear' }]);
  });

  it('repeats an open alarm only when its value moved a unit or a minute passed, and forgets a headset that went away', () => {
    const rules = new TelemetryRules(config);
    const at = (ms: number, batteryLevel: number) =>
      rules.evaluate('H2', { deviceId: 'H2', timestamp: 1e12 + ms, batteryLevel }, 1e12 + ms).filter((d) => d.type === 'battery_critical');
    expect(at(0, 0.09)).toMatchObject([{ type: 'battery_critical', action: 'raise', value: 9 }]);
    expect(at(1_000, 0.092)).toEqual([]);
    expect(at(2_000, 0.08)).toMatchObject([{ type: 'battery_critical', action: 'raise', value: 8 }]);
    expect(at(70_000, 0.08)).toMatchObject([{ type: 'battery_critical', action: 'raise', value: 8 }]);
    rules.deviceGone('H2');
    expect(rules.size).toBe(0);
    expect(rules.recordingChanged('H2', false)).toEqual([]);
    expect(rules.size).toBe(0);
  });

  it('sends a clear or a raise the store did not take again at the next message, and only once taken', () => {
    const rules = new TelemetryRules(config);
    let now = 1e12;
    const at = (batteryLevel: number) => {
      now += 1_000;
      return rules.evaluate('H3', { deviceId: 'H3', timestamp: now, batteryLevel }, now).filter((d) => d.type === 'battery_critical');
    };
    const [raise] = at(0.05);
    expect(raise).toMatchObject({ action: 'raise', value: 5 });
    rules.unconfirmed('H3', raise!);
    expect(at(0.05)).toMatchObject([{ action: 'raise', value: 5 }]);
    expect(at(0.05)).toEqual([]);
    const [clear] = at(0.5);
    expect(clear).toEqual({ type: 'battery_critical', action: 'clear' });
    rules.unconfirmed('H3', clear!);
    expect(at(0.5)).toEqual([{ type: 'battery_critical', action: 'clear' }]);
    expect(at(0.5)).toEqual([]);
    // Inside the band after a failed clear: neither raised nor cleared until a side is crossed.
    rules.unconfirmed('H3', clear!);
    expect(at(0.12)).toEqual([]);
    expect(at(0.15)).toEqual([{ type: 'battery_critical', action: 'clear' }]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { AlarmView } from '../../src/protocol';
import { connectClient, eventually, identifiedHeadset } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { startReceiver } from '../webhooks/receiver';

/**
 * Issue 37, Medium: five headsets swinging across both battery thresholds made
 * 905 alarms in 20 s; hysteresis holds only inside the band. Driven as the
 * attacker did: real headset sockets, a dashboard, a real webhook receiver.
 */

const redis = useTestRedis();
const SECRET = 'webhook-test-secret-0123456789';
const HEADSETS = 5;
const SWINGS = 12;
const PER_MINUTE = 4;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function alarmsOf(server: CaptureServer, deviceId: string): Promise<AlarmView[]> {
  const res = await fetch(`${server.url()}/api/alarms?deviceId=${deviceId}&limit=500`, {
    headers: { 'x-api-key': server.config.auth.adminApiKey },
  });
  return ((await res.json()) as { alarms: AlarmView[] }).alarms;
}

describe.each(STORE_KINDS)('flapping headsets (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('reopen their alarms instead of making new ones, raise at most the budget a minute, and cost receivers one summary', async () => {
    const hook = await startReceiver(SECRET);
    closers.push(() => hook.close());
    const server = await start({
      ALARM_RAISES_PER_DEVICE_PER_MINUTE: String(PER_MINUTE),
      WEBHOOK_ALARM_WINDOW_MS: '2000',
      WEBHOOK_URLS: hook.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_POLL_INTERVAL_MS: '50',
    });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    const headsets = await Promise.all(Array.from({ length: HEADSETS }, (_, i) => identifiedHeadset(server, `H${i}`)));

    // Each swings across both battery thresholds while recording (battery_low_recording and battery_critical).
    await Promise.all(
      headsets.map(async (headset, i) => {
        for (let swing = 0; swing < SWINGS; swing++) {
          for (const batteryLevel of [0.05, 0.3]) {
            const answer = await headset.ask('device-telemetry', telemetry(`H${i}`, { batteryLevel, isRecording: true, batteryState: 2 }));
            expect(answer.ok).toBe(true);
          }
        }
      }),
    );
    for (let i = 0; i < HEADSETS; i++) await server.services.alarms.settled(`H${i}`);

    for (let i = 0; i < HEADSETS; i++) {
      const records = await alarmsOf(server, `H${i}`);
      // One record per type, however often it swung: each came back by reopening.
      expect(records.map((a) => a.type).sort()).toEqual(['battery_critical', 'battery_low_recording']);
      const raisedEvents = dashboard.received.filter((r) => r.event === 'on-alarm-raised' && (r.args[0] as AlarmView).deviceId === `H${i}`);
      // Raised or reopened at most the budget in the minute.
      expect(raisedEvents.length).toBe(PER_MINUTE);
      const reopened = records.reduce((sum, a) => sum + (a.reopenCount ?? 0), 0);
      expect(reopened).toBe(PER_MINUTE - 2);
    }
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(Number(/^turing_alarms_suppressed_total\{type="battery_critical"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);

    // Webhooks: each headset's first transition alone, then one alarm.summary of the rest of its burst.
    const forDevice = (i: number) =>
      hook.received.filter((r) => (r.json.data.deviceId ?? '') === `H${i}` && r.json.type.startsWith('alarm.'));
    await eventually(() => {
      for (let i = 0; i < HEADSETS; i++) expect(forDevice(i).map((r) => r.json.type)).toEqual(['alarm.raised', 'alarm.summary']);
    }, 10_000);
    for (let i = 0; i < HEADSETS; i++) {
      const summary = forDevice(i)[1]!.json.data as { count: number; changes: unknown[]; alarms: AlarmView[] };
      // Every raise and clear after the first is counted: the budget's raises and as many clears, less the first.
      expect(summary.count).toBe(2 * PER_MINUTE - 1);
      expect(summary.changes).toHaveLength(summary.count);
      expect(summary.alarms.map((a) => a.type).sort()).toEqual(['battery_critical', 'battery_low_recording']);
    }
    expect(hook.received.every((r) => r.valid)).toBe(true);
  }, 40_000);
});

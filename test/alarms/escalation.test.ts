import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { AlarmView } from '../../src/protocol';
import { connectClient, eventually, identifiedHeadset, sleep } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * Issue 35: overheating reached 73.5 °C "(×32)" and stayed a warning. A warning
 * of a type that escalates becomes critical once it has been open
 * ALARM_ESCALATE_AFTER_MS or seen ALARM_ESCALATE_REPEATS times; one that does
 * not escalate stays what it is.
 */
const redis = useTestRedis();

async function alarmsOf(server: CaptureServer, deviceId: string): Promise<AlarmView[]> {
  const res = await fetch(`${server.url()}/api/alarms?deviceId=${deviceId}&limit=50`, {
    headers: { 'x-api-key': server.config.auth.adminApiKey },
  });
  return ((await res.json()) as { alarms: AlarmView[] }).alarms;
}

/** The headset's temperature rising a degree and a half a message, as in the session (each a repeat of the open alarm). */
async function heatUp(server: CaptureServer, deviceId: string, messages: number, from = 46) {
  const headset = await identifiedHeadset(server, deviceId);
  for (let i = 0; i < messages; i++) {
    await headset.ask('device-telemetry', telemetry(deviceId, { cpuTemperature: from + i * 1.5, gpuTemperature: 40 }));
  }
  await server.services.alarms.settled(deviceId);
  return headset;
}

describe.each(STORE_KINDS)('alarm escalation (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('makes an overheating warning seen ALARM_ESCALATE_REPEATS times critical, active again, and tells the dashboards', async () => {
    const server = await start({ ALARM_ESCALATE_REPEATS: '5', ALARM_ESCALATE_AFTER_MS: '3600000' });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    await heatUp(server, 'HOT_1', 4);
    const [warning] = await alarmsOf(server, 'HOT_1');
    expect(warning).toMatchObject({ type: 'overheating', severity: 'warning', count: 4 });
    // Acknowledged as a warning; it goes on getting worse.
    await server.services.alarms.acknowledge(warning!.alarmId, { kind: 'dashboard', id: 'DASH_1' });
    await heatUp(server, 'HOT_1', 1, 52);

    const [escalated] = await alarmsOf(server, 'HOT_1');
    expect(escalated).toMatchObject({ alarmId: warning!.alarmId, severity: 'critical', state: 'active', count: 5 });
    expect(escalated!.escalatedAt).toEqual(expect.any(String));
    expect(escalated!.acknowledgedAt).toBeUndefined();
    await eventually(() =>
      expect(dashboard.received.some((r) => r.event === 'on-alarm-updated' && (r.args[0] as AlarmView).severity === 'critical')).toBe(true),
    );
  });

  it('makes one open longer than ALARM_ESCALATE_AFTER_MS critical at its next sighting', async () => {
    const server = await start({ ALARM_ESCALATE_REPEATS: '0', ALARM_ESCALATE_AFTER_MS: '1000' });
    const headset = await heatUp(server, 'HOT_2', 2);
    expect((await alarmsOf(server, 'HOT_2'))[0]?.severity).toBe('warning');
    await sleep(1_100);
    await headset.ask('device-telemetry', telemetry('HOT_2', { cpuTemperature: 55, gpuTemperature: 40 }));
    await server.services.alarms.settled('HOT_2');
    expect((await alarmsOf(server, 'HOT_2'))[0]).toMatchObject({ severity: 'critical', count: 3 });
  });

  it('leaves a warning of a type that does not escalate (clock_unsynced) a warning however often it is seen', async () => {
    const server = await start({ ALARM_ESCALATE_REPEATS: '2', ALARM_ESCALATE_AFTER_MS: '1000' });
    await identifiedHeadset(server, 'SLOW_1');
    for (let i = 0; i < 4; i++) await server.services.alarms.raise('SLOW_1', 'clock_unsynced', null, 'clock not measured');
    expect((await alarmsOf(server, 'SLOW_1')).find((a) => a.type === 'clock_unsynced')).toMatchObject({ severity: 'warning', count: 4 });
  });
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { AlarmView } from '../../src/protocol';
import { closeAllClients, connectClient, eventually, identifiedHeadset } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startServer } from '../helpers/test-server';
import { watchProcess } from '../fuzz/invariants';

/**
 * A Redis outage between a telemetry write and the alarm clear it decided (the
 * technique of test/hardening/redis-outage.test.ts, on a Redis that keeps its
 * data across the kill): the clear fails, and once Redis is back the device's
 * next message clears the alarm, though its condition never recurred.
 */
let redis: TestRedis | undefined;
let server: CaptureServer | undefined;
const watch = watchProcess();
afterEach(async () => {
  closeAllClients();
  await server?.close();
  await redis?.stop();
});
afterAll(() => watch.stop());

const isBattery = (a: AlarmView) => a.type === 'battery_critical';

describe('alarms across a Redis outage', () => {
  it('retries a clear that failed while Redis was down at the next message, without the condition recurring', async () => {
    redis = await startTestRedis({ persistent: true });
    if (!redis.kill || !redis.start) return expect.fail('needs a test Redis this test may stop');
    server = await startServer({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() } });
    const dash = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect((await dash.ask('dashboard-subscribe')).ok).toBe(true);
    const headset = await identifiedHeadset(server, 'H1');
    expect((await headset.ask('device-telemetry', telemetry('H1', { timestamp: Date.now(), batteryLevel: 0.05 }))).ok).toBe(true);
    const [raised] = await dash.next('on-alarm-raised', isBattery);
    // A device's first message also clears the other alarms whose conditions do not hold (storage,
    // tracking), queued behind the raise: let them finish, or one may fail in the outage below too.
    await server.services.alarms.settled('H1');

    await redis.kill();
    // A message stored just before Redis went away: its rules run now, and the clear they decide fails.
    await server.events.publish('device.telemetry', {
      deviceId: 'H1',
      telemetry: { deviceId: 'H1', timestamp: Date.now(), batteryLevel: 0.5 },
    });
    await server.services.alarms.settled('H1');
    expect(await server.metrics.registry.getSingleMetricAsString('turing_alarm_failures_total')).toMatch(
      /turing_alarm_failures_total\{operation="transition"\} 1/,
    );

    await redis.start();
    await eventually(async () => expect((await fetch(`${server!.url()}/health`)).status).toBe(200), 15_000);
    expect((await server.services.alarms.get(raised.alarmId))?.state).toBe('active');
    // Still in the clear band (never below 10 % again): the next message clears the alarm.
    expect((await headset.ask('device-telemetry', telemetry('H1', { timestamp: Date.now(), batteryLevel: 0.5 }))).ok).toBe(true);
    const [cleared] = await dash.next('on-alarm-cleared', isBattery);
    expect(cleared).toMatchObject({ alarmId: raised.alarmId, state: 'cleared' });
    expect(watch.failures).toEqual([]);
  }, 60_000);
});

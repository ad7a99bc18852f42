import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { AlarmView } from '../../src/protocol';
import { connectClient, eventually, identifiedHeadset, tabletClient, tokenFor, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { UploadClient } from '../uploads/upload-client';

const redis = useTestRedis();

/** Timers short enough for tests; thresholds at their defaults. */
const ENV = {
  ALARM_CHECK_INTERVAL_MS: '50',
  ALARM_TRACKING_LOST_MS: '200',
  ALARM_UPLOAD_STALLED_MS: '1000',
  ALARM_UPLOAD_CHECK_INTERVAL_MS: '100',
};

async function dashboard(server: CaptureServer): Promise<TestClient> {
  const client = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
  expect((await client.ask('dashboard-subscribe')).ok).toBe(true);
  return client;
}

/** Sends one telemetry message as a headset does and waits for its ack. */
async function send(headset: TestClient, deviceId: string, overrides: Record<string, unknown>): Promise<void> {
  const answer = await headset.ask('device-telemetry', telemetry(deviceId, { timestamp: Date.now(), ...overrides }));
  expect(answer.ok).toBe(true);
}

const of = (type: string) => (alarm: AlarmView) => alarm.type === type;

async function api(server: CaptureServer, route: string, method = 'GET') {
  const res = await fetch(`${server.url()}${route}`, { method, headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return { status: res.status, body: (await res.json()) as { ok: boolean; alarms?: AlarmView[]; alarm?: AlarmView; error?: string } };
}

/** Waits until the device's queued alarm work is done, so "nothing changed" can be asserted without sleeping. */
const settled = (server: CaptureServer, deviceId: string) => server.services.alarms.settled(deviceId);

describe.each(STORE_KINDS)('alarms (%s store)', (kind) => {
  const start = serverFactory(kind, redis, ENV);

  it('battery_critical: raised below 10 %, repeated (not duplicated), kept inside the band, cleared at 15 %', async () => {
    const server = await start();
    const dash = await dashboard(server);
    const headset = await identifiedHeadset(server, 'H1');
    await send(headset, 'H1', { batteryLevel: 0.09 });
    const [raised] = await dash.next('on-alarm-raised', of('battery_critical'));
    expect(raised).toMatchObject({ deviceId: 'H1', severity: 'critical', state: 'active', value: 9, count: 1 });

    await send(headset, 'H1', { batteryLevel: 0.07 });
    const [updated] = await dash.next('on-alarm-updated', of('battery_critical'));
    expect(updated).toMatchObject({ alarmId: raised.alarmId, count: 2, value: 7 });

    await send(headset, 'H1', { batteryLevel: 0.12 });
    await settled(server, 'H1');
    const open = await api(server, '/api/alarms?state=open&deviceId=H1');
    expect(open.body.alarms!.map((a) => [a.alarmId, a.type])).toEqual([[raised.alarmId, 'battery_critical']]);

    await send(headset, 'H1', { batteryLevel: 0.15 });
    const [cleared] = await dash.next('on-alarm-cleared', of('battery_critical'));
    expect(cleared).toMatchObject({ alarmId: raised.alarmId, state: 'cleared' });
    expect(dash.count('on-alarm-raised')).toBe(1);
    const history = await api(server, '/api/alarms?state=cleared&type=battery_critical');
    expect(history.body.alarms!.map((a) => a.alarmId)).toEqual([raised.alarmId]);
  });

  it('battery_low_recording, overheating, storage_low and tracking_lost follow their bands', async () => {
    const server = await start();
    const dash = await dashboard(server);
    const headset = await identifiedHeadset(server, 'H2');
    const recording = { isRecording: true, batteryState: 2 };
    // 100 GB disk with 1.5 GB free and no write rate known yet: the 2 GB fallback applies.
    await send(headset, 'H2', {
      ...recording,
      batteryLevel: 0.19,
      cpuTemperature: 45,
      storageTotalBytes: 100 * 2 ** 30,
      storageUsedBytes: 98.5 * 2 ** 30,
    });
    const raised = await Promise.all(
      ['battery_low_recording', 'overheating', 'storage_low'].map(async (t) => (await dash.next('on-alarm-raised', of(t)))[0]),
    );
    expect(raised.map((a) => [a.type, a.severity, a.value])).toEqual([
      ['battery_low_recording', 'warning', 19],
      ['overheating', 'warning', 45],
      ['storage_low', 'warning', 1.5],
    ]);
    // Inside every band: nothing clears.
    await send(headset, 'H2', {
      ...recording,
      batteryLevel: 0.22,
      cpuTemperature: 43,
      storageTotalBytes: 100 * 2 ** 30,
      storageUsedBytes: 97.5 * 2 ** 30,
    });
    await settled(server, 'H2');
    expect(dash.count('on-alarm-cleared')).toBe(0);
    // Charging clears the recording battery warning; 42 °C and 3.5 GB free clear the others.
    await send(headset, 'H2', {
      ...recording,
      batteryLevel: 0.22,
      batteryState: 1,
      cpuTemperature: 42,
      gpuTemperature: 40,
      storageTotalBytes: 100 * 2 ** 30,
      storageUsedBytes: 96.5 * 2 ** 30,
    });
    for (const t of ['battery_low_recording', 'overheating', 'storage_low']) await dash.next('on-alarm-cleared', of(t));

    // Both hands lost while recording: raised once the loss lasted ALARM_TRACKING_LOST_MS, without another message.
    await send(headset, 'H2', { ...recording, leftHandTracked: false, rightHandTracked: false });
    const [lost] = await dash.next('on-alarm-raised', of('tracking_lost'));
    expect(lost.value).toBeGreaterThanOrEqual(0.2);
    await send(headset, 'H2', { ...recording, leftHandTracked: true, rightHandTracked: false });
    await dash.next('on-alarm-cleared', of('tracking_lost'));
    // Not recording: lost hands are no alarm.
    await send(headset, 'H2', { isRecording: false, leftHandTracked: false, rightHandTracked: false });
    await send(headset, 'H2', { batteryLevel: 0.5, cpuTemperature: 45 });
    await dash.next('on-alarm-raised', of('overheating'));
    expect(dash.count('on-alarm-raised')).toBe(5);
  });

  it('offline_while_locked: to the holding tablet, acknowledged by it, re-notified while critical, cleared when back', async () => {
    const server = await start({ ALARM_RENOTIFY_MINUTES: '0.005' });
    const tablet = await tabletClient(server, 'TAB_1');
    const other = await tabletClient(server, 'TAB_2');
    let headset = await identifiedHeadset(server, 'H3');
    expect((await tablet.ask('tablet-lock-device', 'H3')).ok).toBe(true);
    headset.close();
    const [raised] = await tablet.next('on-alarm-raised', of('offline_while_locked'));
    expect(raised).toMatchObject({ deviceId: 'H3', severity: 'critical', state: 'active' });

    const refused = await other.ask('tablet-ack-alarm', { alarmId: raised.alarmId });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.error).toMatch(/not of a device this tablet/);
    const ack = await tablet.ask('tablet-ack-alarm', { alarmId: raised.alarmId });
    expect(ack).toMatchObject({ ok: true, alarm: { state: 'acknowledged', acknowledgedBy: { kind: 'tablet', id: 'TAB_1' } } });
    await tablet.next('on-alarm-updated', (a) => a.alarmId === raised.alarmId && a.state === 'acknowledged');
    // Still offline: announced again after ALARM_RENOTIFY_MINUTES, to the same audience.
    await tablet.next('on-alarm-updated', (a) => a.alarmId === raised.alarmId && a.state === 'acknowledged');
    expect(other.count('on-alarm-updated')).toBe(0);

    // A reconnecting tablet hears its devices' open alarms.
    const again = await tabletClient(server, 'TAB_1');
    const [replayed] = await again.next('on-alarm-raised', (a) => a.alarmId === raised.alarmId);
    expect(replayed.state).toBe('acknowledged');

    headset = await identifiedHeadset(server, 'H3');
    await tablet.next('on-alarm-cleared', (a) => a.alarmId === raised.alarmId);
    expect((await tablet.ask('tablet-ack-alarm', { alarmId: raised.alarmId })).error).toMatch(/already cleared/);
  });

  it('recording_rejected clears when acknowledged; command_unconfirmed clears at the next confirmed command', async () => {
    const server = await start();
    const dash = await dashboard(server);
    await server.events.publish('recording.verdict', {
      recordingId: '20261201_120000_H4',
      deviceId: 'H4',
      verdict: 'fail',
      qaScore: 31,
      reasons: ['video shorter than the data'],
    });
    const [rejected] = await dash.next('on-alarm-raised', of('recording_rejected'));
    expect(rejected.message).toMatch(/20261201_120000_H4 failed verification: video shorter than the data/);
    const ack = await api(server, `/api/alarms/${rejected.alarmId}/ack`, 'POST');
    expect(ack.body.alarm).toMatchObject({ state: 'cleared', acknowledgedBy: { kind: 'admin', id: 'admin' } });
    await dash.next('on-alarm-cleared', (a) => a.alarmId === rejected.alarmId);
    expect((await api(server, `/api/alarms/${rejected.alarmId}/ack`, 'POST')).status).toBe(409);
    expect((await api(server, '/api/alarms/no-such-alarm/ack', 'POST')).status).toBe(404);

    const command = { action: 'start' as const, deviceId: 'H4', issuedBy: { kind: 'tablet' as const, id: 'TAB_1' } };
    await server.events.publish('command.changed', { ...command, commandId: 'c1', state: 'expired' });
    await server.events.publish('command.changed', { ...command, commandId: 'c2', state: 'expired' });
    const [unconfirmed] = await dash.next('on-alarm-raised', of('command_unconfirmed'));
    await dash.next('on-alarm-updated', (a) => a.alarmId === unconfirmed.alarmId && a.count === 2);
    await server.events.publish('command.changed', { ...command, commandId: 'c3', state: 'confirmed' });
    await dash.next('on-alarm-cleared', (a) => a.alarmId === unconfirmed.alarmId);
  });

  it('upload_stalled: raised when parts stop arriving, cleared when the upload is aborted', async () => {
    const server = await start();
    const dash = await dashboard(server);
    const client = new UploadClient(server, tokenFor(server, 'H5', 'headset'));
    const upload = await client.start(1024);
    const [stalled] = await dash.next('on-alarm-raised', (a) => a.type === 'upload_stalled' && a.deviceId === 'H5');
    expect(stalled.message).toContain(upload.uploadId);
    expect((await client.call('POST', '/chunked-upload/abort', { uploadId: upload.uploadId, s3Key: upload.s3Key })).status).toBe(200);
    await dash.next('on-alarm-cleared', (a) => a.alarmId === stalled.alarmId);
  });

  it('never fails or slows the telemetry write when the alarm store fails, and counts it', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'H6');
    server.store.alarms.raise = () => Promise.reject(new Error('store down'));
    await send(headset, 'H6', { batteryLevel: 0.05 });
    await settled(server, 'H6');
    expect(await server.store.devices.getTelemetry('H6')).toMatchObject({ batteryLevel: 0.05 });
    const metrics = await server.metrics.registry.getSingleMetricAsString('turing_alarm_failures_total');
    expect(metrics).toMatch(/turing_alarm_failures_total\{operation="transition"\} 1/);
  });

  it('a clear the store failed is sent again at the next message whose clear condition holds, not only when the condition recurs', async () => {
    const server = await start();
    const dash = await dashboard(server);
    const headset = await identifiedHeadset(server, 'H7');
    await send(headset, 'H7', { batteryLevel: 0.05 });
    const [raised] = await dash.next('on-alarm-raised', of('battery_critical'));
    const clear = server.store.alarms.clear.bind(server.store.alarms);
    server.store.alarms.clear = () => Promise.reject(new Error('store down'));
    await send(headset, 'H7', { batteryLevel: 0.5 });
    await settled(server, 'H7');
    expect((await server.services.alarms.get(raised.alarmId))?.state).toBe('active');
    server.store.alarms.clear = clear;
    await send(headset, 'H7', { batteryLevel: 0.51 });
    const [cleared] = await dash.next('on-alarm-cleared', of('battery_critical'));
    expect(cleared).toMatchObject({ alarmId: raised.alarmId, state: 'cleared' });
    // Cleared once: a further message in the clear band sends nothing.
    await send(headset, 'H7', { batteryLevel: 0.52 });
    await settled(server, 'H7');
    expect(dash.count('on-alarm-cleared')).toBe(1);
  });

  it('GET /api/alarms validates its query, pages, and is for the admin key or dashboard/tablet tokens', async () => {
    const server = await start();
    for (let i = 0; i < 3; i++) await server.services.alarms.raise(`H${i}`, 'overheating', 46, 'hot');
    expect((await api(server, '/api/alarms?state=nonsense')).status).toBe(400);
    expect((await api(server, '/api/alarms?deviceId=../x')).status).toBe(400);
    expect((await fetch(`${server.url()}/api/alarms`)).status).toBe(401);
    const first = await api(server, '/api/alarms?limit=2');
    expect(first.body.alarms).toHaveLength(2);
    const cursor = (first.body as { nextCursor?: string }).nextCursor!;
    const second = await api(server, `/api/alarms?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect([...first.body.alarms!, ...second.body.alarms!].map((a) => a.deviceId).sort()).toEqual(['H0', 'H1', 'H2']);
    const headsetToken = tokenFor(server, 'H1', 'headset');
    expect((await fetch(`${server.url()}/api/alarms`, { headers: { authorization: `Bearer ${headsetToken}` } })).status).toBe(403);
    const metrics = await server.metrics.registry.metrics();
    expect(metrics).toContain('turing_alarms_active{type="overheating",severity="warning"} 3');
    expect(metrics).toContain('turing_alarms_raised_total{type="overheating"} 3');
    await eventually(() => expect(metrics).toContain('turing_alarms_active{type="battery_critical",severity="critical"} 0'));
  });
});

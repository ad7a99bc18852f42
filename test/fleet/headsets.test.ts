import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis, type StoreKind } from '../helpers/test-server';
import { connectClient, eventually, knownHeadset, sleep } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';

const redis = useTestRedis();

describe.each(STORE_KINDS)('headsets and dashboards on the %s store', (kind: StoreKind) => {
  const start = serverFactory(kind, redis);

  const headset = (server: CaptureServer, id: string) => connectClient(server, { deviceId: id, deviceType: 'headset' });
  const adminGet = (server: CaptureServer, path: string) =>
    fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } }).then(
      // The fields these tests read; toMatchObject and toEqual check the rest.
      async (r) => (await r.json()) as { devices: unknown[]; summary: unknown },
    );

  it('registers an identified headset and tells tablets and dashboards', async () => {
    const server = await start();
    const tablet = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect(await dashboard.ask('dashboard-subscribe')).toMatchObject({ ok: true, devices: 0 });
    const [initial] = await dashboard.next('on-fleet-status-updated');
    expect(initial).toEqual([]);

    const h = await headset(server, 'QUEST_001');
    expect(await h.ask('headset-identify', 'QUEST_001')).toEqual({ ok: true, deviceId: 'QUEST_001' });
    await h.next('on-headset-connected');
    const [ids] = await tablet.next('on-headsets-updated', (list) => list.includes('QUEST_001'));
    expect(ids).toEqual(['QUEST_001']);
    const [withLocks] = await tablet.next('on-headsets-with-lock-status-updated', (l) => l.length === 1);
    expect(withLocks).toEqual([{ deviceId: 'QUEST_001', isLocked: false, customName: 'QUEST_001' }]);
    await dashboard.next('on-headsets-updated', (list) => list.includes('QUEST_001'));
    await dashboard.next('on-device-presence-changed', (p) => p.deviceId === 'QUEST_001' && p.status === 'online');
    // Headsets do not receive fleet lists.
    expect(h.count('on-headsets-updated')).toBe(0);

    const record = await server.store.devices.get('QUEST_001');
    expect(record).toMatchObject({ deviceId: 'QUEST_001', isOnline: true, socketId: h.socket.id });
  });

  it('accepts the { deviceId } form of headset-identify', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_002');
    expect(await h.ask('headset-identify', { deviceId: 'QUEST_002' })).toEqual({ ok: true, deviceId: 'QUEST_002' });
  });

  it('refuses an identify naming another device, changing nothing', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    expect(await h.ask('headset-identify', 'QUEST_999')).toEqual({
      ok: false,
      code: 'spoofed_identity',
      error: 'headset-identify must name the device of the token',
    });
    await h.next('on-event-rejected');
    expect(await server.store.devices.get('QUEST_999')).toBeNull();
    expect(await server.store.devices.list()).toEqual([]);
  });

  it('ignores and counts events from the wrong role', async () => {
    const server = await start();
    const tablet = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    const h = await headset(server, 'QUEST_001');
    expect(await tablet.ask('headset-identify', 'TABLET_1')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not allowed for a tablet/),
    });
    expect(await dashboard.ask('device-telemetry', telemetry('DASH_1'))).toMatchObject({ ok: false });
    expect(await h.ask('dashboard-subscribe')).toMatchObject({ ok: false, error: expect.stringMatching(/not allowed for a headset/) });
    expect(await server.store.devices.list()).toEqual([]);
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_socket_events_rejected_total\{event="headset-identify",reason="role"\} 1/);
    expect(metrics).toMatch(/turing_socket_events_rejected_total\{event="dashboard-subscribe",reason="role"\} 1/);
  });

  it('caches telemetry, relays it to subscribed dashboards and viewers, and reports it over REST', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    await knownHeadset(server, 'QUEST_001');
    const viewer = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    expect(await viewer.ask('tablet-connect-headset', 'QUEST_001')).toMatchObject({ ok: true });
    const bystander = await connectClient(server, { deviceId: 'TABLET_2', deviceType: 'tablet' });
    const h = await headset(server, 'QUEST_001');
    await h.ask('headset-identify', 'QUEST_001');

    const sent = telemetry('QUEST_001', { batteryLevel: 0.2, isRecording: true });
    expect(await h.ask('device-telemetry', sent)).toEqual({ ok: true });
    const [update] = await dashboard.next('on-device-telemetry-updated');
    expect(update).toMatchObject({ deviceId: 'QUEST_001', isOnline: true, isStale: false, isLocked: false, telemetry: sent });
    expect(new Date(update.lastSeen).getTime()).toBeGreaterThan(Date.now() - 10_000);
    await viewer.next('on-device-telemetry-updated');
    expect(bystander.count('on-device-telemetry-updated')).toBe(0);
    expect(await server.store.devices.getTelemetry('QUEST_001')).toEqual(sent);

    // The JSON-string form older builds send.
    expect(await h.ask('device-telemetry', JSON.stringify(telemetry('QUEST_001', { batteryLevel: 0.9 })))).toEqual({ ok: true });
    await dashboard.next('on-device-telemetry-updated', (u) => u.telemetry?.batteryLevel === 0.9);

    const list = await adminGet(server, '/api/devices');
    expect(list).toMatchObject({ ok: true, count: 1 });
    expect(list.devices[0]).toMatchObject({
      deviceId: 'QUEST_001',
      isOnline: true,
      isStale: false,
      isLocked: false,
      telemetry: { batteryLevel: 0.9 },
    });
    expect(list.devices[0]).not.toHaveProperty('socketId');
  });

  it('computes the fleet summary', async () => {
    const server = await start();
    const a = await headset(server, 'H1');
    const b = await headset(server, 'H2');
    const c = await headset(server, 'H3');
    for (const [client, id] of [
      [a, 'H1'],
      [b, 'H2'],
      [c, 'H3'],
    ] as const)
      await client.ask('headset-identify', id);
    await a.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.1, productiveTime: 100, appVersion: '2.3.0', isRecording: true }));
    await b.ask('device-telemetry', telemetry('H2', { batteryLevel: 0.5, productiveTime: 50, appVersion: '2.4.0' }));
    c.close();
    await eventually(async () => expect((await server.store.devices.get('H3'))!.isOnline).toBe(false));
    const { summary } = await adminGet(server, '/api/fleet/summary');
    expect(summary).toEqual({
      totalDevices: 3,
      onlineDevices: 2,
      offlineDevices: 1,
      staleDevices: 0,
      recordingDevices: 1,
      lowBatteryDevices: 1,
      lockedDevices: 0,
      avgBatteryLevel: 0.3,
      totalProductiveTime: 150,
      appVersions: ['2.3.0', '2.4.0'],
    });
  });

  it('marks a headset offline on disconnect and tells dashboards, unless it already reconnected', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    const first = await headset(server, 'QUEST_001');
    await first.ask('headset-identify', 'QUEST_001');
    const second = await headset(server, 'QUEST_001');
    await second.ask('headset-identify', 'QUEST_001');
    first.close();
    await sleep(200);
    expect((await server.store.devices.get('QUEST_001'))!.isOnline).toBe(true);
    second.close();
    await dashboard.next('on-device-presence-changed', (p) => p.status === 'offline');
    await dashboard.next('on-headsets-updated', (ids) => ids.length === 0);
    expect((await server.store.devices.get('QUEST_001'))!.isOnline).toBe(false);
  });

  it('reports a connected but silent headset as stale, live and over REST, and fresh again on telemetry', async () => {
    const server = await start({ DEVICE_STALE_MS: '300' });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    const h = await headset(server, 'QUEST_001');
    await h.ask('headset-identify', 'QUEST_001');
    await dashboard.next('on-device-presence-changed', (p) => p.status === 'stale', 5_000);
    const list = await adminGet(server, '/api/devices');
    expect(list.devices[0]).toMatchObject({ isOnline: true, isStale: true, status: 'stale' });
    expect((await adminGet(server, '/api/fleet/summary')).summary).toMatchObject({ onlineDevices: 1, staleDevices: 1 });
    await h.ask('device-telemetry', telemetry('QUEST_001'));
    await dashboard.next('on-device-presence-changed', (p) => p.status === 'online', 5_000);
  });

  it('expires devices offline for longer than OFFLINE_DEVICE_EXPIRY_MS', async () => {
    const server = await start({ OFFLINE_DEVICE_EXPIRY_MS: '200', SESSION_CLEANUP_INTERVAL_MS: '150' });
    const h = await headset(server, 'QUEST_001');
    await h.ask('headset-identify', 'QUEST_001');
    h.close();
    await eventually(async () => expect(await server.store.devices.get('QUEST_001')).toBeNull());
  });

  it('relays headset status (up to 10 KB) and logs-processed to viewers only', async () => {
    const server = await start();
    await knownHeadset(server, 'QUEST_001');
    const viewer = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    expect(await viewer.ask('tablet-connect-headset', 'QUEST_001')).toMatchObject({ ok: true });
    const other = await connectClient(server, { deviceId: 'TABLET_2', deviceType: 'tablet' });
    const h = await headset(server, 'QUEST_001');
    expect(await h.ask('headset-status', '{"scene":"kitchen"}')).toMatchObject({ ok: false, error: 'send headset-identify first' });
    await h.ask('headset-identify', 'QUEST_001');
    expect(await h.ask('headset-status', '{"scene":"kitchen"}')).toEqual({ ok: true });
    expect(await viewer.next('on-headset-status-updated')).toEqual(['{"scene":"kitchen"}', 'QUEST_001']);
    expect(await h.ask('headset-status', 'x'.repeat(10 * 1024 + 1))).toMatchObject({ ok: false, error: /10240 bytes/ });
    // The limit is bytes: 4,000 three-byte characters are 12,000 bytes, over 10 KB though under 10,240 characters.
    expect(await h.ask('headset-status', '€'.repeat(4_000))).toMatchObject({ ok: false, error: /10240 bytes/ });
    expect(await h.ask('headset-status', '€'.repeat(3_413))).toEqual({ ok: true });
    await viewer.next('on-headset-status-updated', (status) => status === '€'.repeat(3_413));
    expect(await h.ask('headset-logs-processed')).toEqual({ ok: true });
    expect(await viewer.next('on-headset-logs-processed')).toEqual(['QUEST_001']);
    await viewer.ask('tablet-disconnect-headset', 'QUEST_001');
    await h.ask('headset-status', 'after-leave');
    await sleep(100);
    expect(viewer.count('on-headset-status-updated')).toBe(2);
    expect(other.count('on-headset-status-updated')).toBe(0);
    expect(h.count('on-headset-status-updated')).toBe(0);
  });

  it('requires the admin key or a dashboard/tablet token on the fleet REST API', async () => {
    const server = await start();
    for (const path of ['/api/devices', '/api/fleet/summary']) {
      expect((await fetch(`${server.url()}${path}`)).status).toBe(401);
      const asHeadset = await fetch(`${server.url()}${path}`, {
        headers: { authorization: `Bearer ${server.tokens.sign('QUEST_001', 'headset')}` },
      });
      // A valid credential of the wrong role: 403, naming who may call (401 is for no or bad credentials).
      expect(asHeadset.status).toBe(403);
      expect(await asHeadset.json()).toEqual({
        ok: false,
        code: 'role',
        error:
          'a headset token cannot use this endpoint; it needs the admin API key (x-api-key header) or a dashboard or tablet token (Authorization: Bearer)',
      });
      const anonymous = (await (await fetch(`${server.url()}${path}`)).json()) as { error: string };
      expect(anonymous.error).toBe(
        'authentication required: the admin API key (x-api-key header) or a dashboard or tablet token (Authorization: Bearer)',
      );
      for (const type of ['dashboard', 'tablet'] as const) {
        const ok = await fetch(`${server.url()}${path}`, { headers: { authorization: `Bearer ${server.tokens.sign('X1', type)}` } });
        expect(ok.status).toBe(200);
      }
      expect((await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
    }
  });

  it('exports fleet metrics', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    const h = await headset(server, 'QUEST_001');
    await h.ask('headset-identify', 'QUEST_001');
    await h.ask('device-telemetry', telemetry('QUEST_001', { batteryLevel: 0.2 }));
    const text = await (await fetch(`${server.url()}/metrics`)).text();
    expect(text).toMatch(/turing_connected_devices_total\{type="headset"\} 1/);
    expect(text).toMatch(/turing_connected_devices_total\{type="dashboard"\} 1/);
    expect(text).toMatch(/turing_device_connections_total\{type="headset",event="identify"\} 1/);
    expect(text).toMatch(/turing_fleet_battery_level\{device_id="QUEST_001"\} 0.2/);
    expect(text).toMatch(/turing_low_battery_devices_total 1/);
    expect(text).toMatch(/turing_dashboard_subscribers_total 1/);
    expect(text).toMatch(/turing_socket_events_total\{event="device-telemetry"\} 1/);
    expect(text).toMatch(/turing_socket_messages_total\{event_type="on-device-telemetry-updated",direction="out"\} 1/);
  });

  it('exports per-device online, locked and recording flags for the alert rules', async () => {
    const server = await start();
    const h1 = await headset(server, 'H1');
    await h1.ask('headset-identify', 'H1');
    const h2 = await headset(server, 'H2');
    await h2.ask('headset-identify', 'H2');
    const tablet = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    await tablet.ask('tablet-lock-device', 'H1');
    await h1.ask('headset-recording-state', true);
    h2.close();
    await eventually(async () => expect((await server.store.devices.get('H2'))!.isOnline).toBe(false));
    // Gauges read one store snapshot per second; wait for a fresh one.
    await sleep(1_100);
    const text = await (await fetch(`${server.url()}/metrics`)).text();
    expect(text).toContain('turing_device_online{device_id="H1"} 1');
    expect(text).toContain('turing_device_online{device_id="H2"} 0');
    expect(text).toContain('turing_device_locked{device_id="H1"} 1');
    expect(text).toContain('turing_device_locked{device_id="H2"} 0');
    expect(text).toContain('turing_device_recording{device_id="H1"} 1');
    expect(text).toContain('turing_device_recording{device_id="H2"} 0');
  });
});

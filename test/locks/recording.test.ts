import { describe, expect, it } from 'vitest';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { connectClient, identifiedHeadset, tabletClient, sleep } from '../helpers/clients';

const redis = useTestRedis();

describe.each(STORE_KINDS)('recording commands on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { RECORDING_ACK_TIMEOUT_MS: '400' });
  const headset = identifiedHeadset;
  const tablet = tabletClient;

  it('sends start and stop to the headset the tablet holds, and follows the headset’s confirmation', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    const dashboard = await connectClient(server, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    const viewer = await tablet(server, 'TABLET_V');
    await viewer.ask('tablet-connect-headset', 'QUEST_001');
    await t.ask('tablet-lock-device', 'QUEST_001');

    expect(await t.ask('tablet-start-recording', 'QUEST_001')).toMatchObject({
      ok: true,
      deviceId: 'QUEST_001',
      command: 'start',
      state: 'sent',
    });
    await h.next('on-tablet-start-recording');
    expect(await h.ask('headset-recording-state', true)).toEqual({ ok: true });
    expect(await t.next('on-device-recording-changed')).toEqual([{ deviceId: 'QUEST_001', isRecording: true }]);
    await dashboard.next('on-device-recording-changed');
    expect(await viewer.next('on-headset-recording-active')).toEqual(['QUEST_001']);
    expect((await server.store.devices.get('QUEST_001'))!.isRecording).toBe(true);

    await t.ask('tablet-stop-recording', 'QUEST_001');
    await h.next('on-tablet-stop-recording');
    await h.ask('headset-recording-state', false);
    await t.next('on-device-recording-changed', (p) => !p.isRecording);
    await viewer.next('on-headset-recording-inactive');
    expect((await server.store.devices.get('QUEST_001'))!.isRecording).toBe(false);
    await sleep(600);
    // Both commands were confirmed, so no timeout was reported.
    expect(t.count('on-recording-command-timeout')).toBe(0);
  });

  it('denies commands from a tablet without the lock, and nothing reaches the headset', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const owner = await tablet(server, 'TABLET_A');
    const intruder = await tablet(server, 'TABLET_B');
    await owner.ask('tablet-lock-device', 'QUEST_001');

    const denial = { ok: false, code: 'not_holder', error: 'device QUEST_001 is not locked by this tablet' };
    expect(await intruder.ask('tablet-start-recording', 'QUEST_001')).toEqual(denial);
    expect(await intruder.next('on-recording-denied')).toEqual([{ deviceId: 'QUEST_001', reason: denial.error }]);
    expect(await intruder.ask('tablet-stop-recording', 'QUEST_001')).toEqual(denial);
    expect(await intruder.ask('tablet-toggle-recording', 'QUEST_001')).toEqual(denial);
    await intruder.next('on-recording-toggle-denied');
    expect(await intruder.ask('tablet-start-all-recording')).toEqual({ ok: true, sent: [], denied: [], commands: [] });
    expect(await intruder.ask('tablet-sync-metadata', '{"p":1}', 'QUEST_001')).toMatchObject({ ok: false });
    await sleep(150);
    for (const event of [
      'on-tablet-start-recording',
      'on-tablet-stop-recording',
      'on-tablet-recording-toggled',
      'on-metadata-synced',
    ] as const) {
      expect(h.count(event)).toBe(0);
    }
    // A headset cannot command itself either.
    expect(await h.ask('tablet-start-recording', 'QUEST_001')).toMatchObject({ ok: false, error: expect.stringMatching(/not allowed/) });
  });

  it('reports a command the headset does not confirm in time, once', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'QUEST_001');
    await t.ask('tablet-start-recording', 'QUEST_001');
    await h.next('on-tablet-start-recording');
    expect(await t.next('on-recording-command-timeout', undefined, 3_000)).toEqual([{ deviceId: 'QUEST_001', command: 'start' }]);
    // A late, wrong confirmation does not cancel anything twice or crash.
    await h.ask('headset-recording-state', false);
    await sleep(500);
    expect(t.count('on-recording-command-timeout')).toBe(1);
  });

  it('starts and stops all held headsets, skipping offline ones with a reason', async () => {
    const server = await start();
    const h1 = await headset(server, 'H1');
    const h2 = await headset(server, 'H2');
    const h3 = await headset(server, 'H3');
    const t = await tablet(server, 'TABLET_A');
    await t.ask('tablet-lock-devices', ['H1', 'H2', 'H3']);
    h3.close();
    await t.next('on-device-disconnected');
    const answer = await t.ask('tablet-start-all-recording');
    expect(answer).toMatchObject({ ok: true, denied: [{ deviceId: 'H3', reason: 'device H3 is offline' }] });
    expect((answer.sent as string[]).sort()).toEqual(['H1', 'H2']);
    await h1.next('on-tablet-start-recording');
    await h2.next('on-tablet-start-recording');
    await t.ask('tablet-stop-all-recording');
    await h1.next('on-tablet-stop-recording');
    await h2.next('on-tablet-stop-recording');
  });

  it('toggles (deprecated) relative to the reported state', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'QUEST_001');
    await t.ask('tablet-toggle-recording', 'QUEST_001');
    await h.next('on-tablet-recording-toggled');
    await h.ask('headset-recording-state', true);
    await t.ask('tablet-toggle-all-recording');
    await h.next('on-tablet-recording-toggled');
    await h.ask('headset-recording-state', false);
    await sleep(600);
    // Each toggle expected the opposite of the state at the time and got it.
    expect(t.count('on-recording-command-timeout')).toBe(0);
  });

  it('answers recording status and syncs metadata to one or all held headsets', async () => {
    const server = await start();
    const h1 = await headset(server, 'H1');
    const h2 = await headset(server, 'H2');
    const t = await tablet(server, 'TABLET_A');
    await t.ask('tablet-lock-devices', ['H1', 'H2']);
    await h1.ask('headset-recording-state', true);
    expect(await t.ask('tablet-get-recording-status', 'H1')).toEqual({ ok: true, deviceId: 'H1', isRecording: true, isOnline: true });
    expect(await t.next('on-recording-status')).toEqual([{ deviceId: 'H1', isRecording: true, isOnline: true }]);
    expect(await t.ask('tablet-get-recording-status', 'NOPE')).toMatchObject({ ok: false, error: 'device NOPE is unknown' });

    expect(await t.ask('tablet-sync-metadata', '{"participant":"P7"}', 'H2')).toEqual({ ok: true, deviceIds: ['H2'] });
    expect(await h2.next('on-metadata-synced')).toEqual(['{"participant":"P7"}']);
    expect(h1.count('on-metadata-synced')).toBe(0);
    const all = await t.ask('tablet-sync-metadata', '{"study":"S1"}');
    expect((all.deviceIds as string[]).sort()).toEqual(['H1', 'H2']);
    await h1.next('on-metadata-synced');
    await h2.next('on-metadata-synced', (d) => d === '{"study":"S1"}');
    expect(await t.ask('tablet-sync-metadata', 'x'.repeat(100 * 1024 + 1))).toMatchObject({ ok: false, error: /102400 bytes/ });
    // Bytes, not characters: 30,000 emoji are 120,000 UTF-8 bytes in 60,000 UTF-16 code units.
    expect(await t.ask('tablet-sync-metadata', '😀'.repeat(30_000))).toMatchObject({ ok: false, error: /102400 bytes/ });
  });

  it('refuses headset-recording-state with a non-boolean or before identify', async () => {
    const server = await start();
    const raw = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    expect(await raw.ask('headset-recording-state', true)).toMatchObject({ ok: false, error: 'send headset-identify first' });
    await raw.ask('headset-identify', 'QUEST_001');
    expect(await raw.ask('headset-recording-state', 'yes')).toMatchObject({ ok: false });
    expect((await server.store.devices.get('QUEST_001'))!.isRecording).toBe(false);
  });

  it('reports recording devices in metrics', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    await h.ask('headset-recording-state', true);
    const text = await (await fetch(`${server.url()}/metrics`)).text();
    expect(text).toMatch(/turing_recording_devices_total 1/);
  });
});

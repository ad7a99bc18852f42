import { describe, expect, it } from 'vitest';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { connectClient, identifiedHeadset, tabletClient, eventually, sleep } from '../helpers/clients';

const redis = useTestRedis();

describe.each(STORE_KINDS)('device locks on the %s store', (kind) => {
  const start = serverFactory(kind, redis);
  const headset = identifiedHeadset;
  const tablet = tabletClient;

  it('gives a headset to exactly one of 20 racing tablets', async () => {
    const server = await start({ SOCKET_EVENT_BURST: '100' });
    await headset(server, 'QUEST_001');
    const tablets = await Promise.all(Array.from({ length: 20 }, (_, i) => tablet(server, `TABLET_${i}`)));
    const answers = await Promise.all(tablets.map((t) => t.ask('tablet-lock-device', 'QUEST_001')));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    const winnerIndex = answers.findIndex((a) => a.ok);
    await tablets[winnerIndex]!.next('on-device-locked');
    const holder = `TABLET_${winnerIndex}`;
    for (const [i, t] of tablets.entries()) {
      if (i === winnerIndex) continue;
      const [failed] = await t.next('on-device-lock-failed');
      expect(failed).toEqual({ deviceId: 'QUEST_001', reason: `device QUEST_001 is locked by another tablet (${holder})` });
      expect(t.count('on-device-locked')).toBe(0);
    }
    expect((await server.store.locks.get('QUEST_001'))!.tabletId).toBe(holder);
  });

  it('lets only the owner unlock, and tells every tablet and dashboard about lock changes', async () => {
    const server = await start();
    await headset(server, 'QUEST_001');
    const owner = await tablet(server, 'TABLET_A');
    const other = await tablet(server, 'TABLET_B');
    const dashboard = await connectClient(server, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');

    expect(await owner.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true, refreshed: false });
    const [locks] = await other.next('on-device-locks-updated', (l) => l.some((s) => s.isLocked));
    expect(locks).toEqual([{ deviceId: 'QUEST_001', isLocked: true, lockedByTabletId: 'TABLET_A' }]);
    await dashboard.next('on-device-locks-updated', (l) => l.some((s) => s.isLocked));
    await other.next('on-headsets-with-lock-status-updated', (l) => l[0]?.lockedByTabletId === 'TABLET_A');

    expect(await other.ask('tablet-unlock-device', 'QUEST_001')).toEqual({
      ok: false,
      code: 'lock_held',
      error: 'device QUEST_001 is locked by another tablet (TABLET_A)',
    });
    expect((await server.store.locks.get('QUEST_001'))!.tabletId).toBe('TABLET_A');
    expect(await owner.ask('tablet-unlock-device', 'QUEST_001')).toEqual({ ok: true, deviceId: 'QUEST_001' });
    await owner.next('on-device-unlocked');
    await other.next('on-device-locks-updated', (l) => l.every((s) => !s.isLocked));
    expect(await server.store.locks.get('QUEST_001')).toBeNull();
  });

  it('refuses locks on unknown, offline and malformed devices with reasons a person can act on', async () => {
    const server = await start();
    const gone = await headset(server, 'QUEST_GONE');
    gone.close();
    await eventually(async () => expect((await server.store.devices.get('QUEST_GONE'))!.isOnline).toBe(false));
    const t = await tablet(server, 'TABLET_A');
    expect(await t.ask('tablet-lock-device', 'QUEST_NEVER')).toMatchObject({
      ok: false,
      error: 'device QUEST_NEVER is unknown (it has never connected)',
    });
    expect(await t.ask('tablet-lock-device', 'QUEST_GONE')).toMatchObject({ ok: false, error: 'device QUEST_GONE is offline' });
    expect(await t.ask('tablet-lock-device', '../etc')).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid device ID/) });
    const [failed] = await t.next('on-device-lock-failed', (f) => f.reason.startsWith('invalid'));
    expect(failed.deviceId).toBe('');
  });

  it('refreshes the TTL when the owner locks again', async () => {
    const server = await start({ LOCK_TTL_SECONDS: '2' });
    await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'QUEST_001');
    await sleep(1_200);
    expect(await t.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true, refreshed: true });
    await sleep(1_200);
    // 2.4 s after the first lock: held only because the re-lock refreshed it.
    expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_A');
  });

  it('locks in batches: free, held, unknown and invalid IDs each answered', async () => {
    const server = await start();
    for (const id of ['H1', 'H2', 'H3']) await headset(server, id);
    const a = await tablet(server, 'TABLET_A');
    const b = await tablet(server, 'TABLET_B');
    await b.ask('tablet-lock-device', 'H3');
    const answer = await a.ask('tablet-lock-devices', ['H1', 'H2', 'H3', 'NOPE', 'bad id!', 'H1']);
    expect(answer).toMatchObject({ ok: true, locked: ['H1', 'H2'], failed: ['H3', 'NOPE', ''] });
    const [payload] = await a.next('on-devices-locked');
    expect(payload.reasons).toEqual({
      H3: 'device H3 is locked by another tablet (TABLET_B)',
      NOPE: 'device NOPE is unknown (it has never connected)',
      '': expect.stringMatching(/^invalid device ID/),
    });
    expect((await server.store.locks.heldBy('TABLET_A')).sort()).toEqual(['H1', 'H2']);

    expect(await a.ask('tablet-unlock-all-devices')).toEqual({ ok: true, unlocked: expect.arrayContaining(['H1', 'H2']) });
    await a.next('on-all-devices-unlocked');
    expect(await server.store.locks.heldBy('TABLET_A')).toEqual([]);
    expect((await server.store.locks.get('H3'))!.tabletId).toBe('TABLET_B');
  });

  it('refuses a batch of 51 IDs with a clear error and locks nothing', async () => {
    const server = await start();
    await headset(server, 'H1');
    const t = await tablet(server, 'TABLET_A');
    const ids = ['H1', ...Array.from({ length: 50 }, (_, i) => `X${i}`)];
    expect(await t.ask('tablet-lock-devices', ids)).toEqual({
      ok: false,
      code: 'invalid',
      error: 'invalid payload: at most 50 device IDs per request',
    });
    expect(await server.store.locks.get('H1')).toBeNull();
    expect(await t.ask('tablet-lock-devices', ids.slice(0, 50))).toMatchObject({ ok: true, locked: ['H1'] });
  });

  it('keeps a tablet’s locks across a reconnect within the grace period', async () => {
    const server = await start({ LOCK_GRACE_MS: '600' });
    const h = await headset(server, 'QUEST_001');
    const first = await tablet(server, 'TABLET_A');
    await first.ask('tablet-lock-device', 'QUEST_001');
    first.close();
    await sleep(100);
    const again = await tablet(server, 'TABLET_A');
    await sleep(900);
    expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_A');
    // Still the holder: it sees the headset without re-locking, and may command it.
    await h.ask('headset-status', 'hello');
    expect(await again.next('on-headset-status-updated')).toEqual(['hello', 'QUEST_001']);
    expect(await again.ask('tablet-start-recording', 'QUEST_001')).toMatchObject({ ok: true });
  });

  it('releases and broadcasts a vanished tablet’s locks after the grace period', async () => {
    const server = await start({ LOCK_GRACE_MS: '300' });
    await headset(server, 'QUEST_001');
    const gone = await tablet(server, 'TABLET_A');
    const watcher = await tablet(server, 'TABLET_B');
    await watcher.next('on-device-locks-updated'); // the locks as TABLET_B connected: none held yet
    await gone.ask('tablet-lock-device', 'QUEST_001');
    await watcher.next('on-device-locks-updated', (l) => l.some((s) => s.isLocked));
    gone.close();
    await watcher.next('on-device-locks-updated', (l) => l.every((s) => !s.isLocked), 5_000);
    expect(await server.store.locks.get('QUEST_001')).toBeNull();
    expect(await watcher.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true });
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_device_lock_operations_total\{operation="grace_expired",success="true"\} 1/);
  });

  it('tells the holding tablet when its headset disconnects, and keeps the lock', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    const bystander = await tablet(server, 'TABLET_B');
    await t.ask('tablet-lock-device', 'QUEST_001');
    h.close();
    expect(await t.next('on-device-disconnected')).toEqual([{ deviceId: 'QUEST_001' }]);
    // The spec's legacy notice reaches the headset's watchers too.
    expect(await t.next('on-headset-disconnected')).toEqual(['QUEST_001']);
    expect((await server.store.locks.get('QUEST_001'))?.tabletId).toBe('TABLET_A');
    await sleep(100);
    expect(bystander.count('on-device-disconnected')).toBe(0);
    expect(bystander.count('on-headset-disconnected')).toBe(0);
  });

  it('stops showing a headset to a tablet that unlocks it, unless that tablet also views it', async () => {
    const server = await start();
    const h = await headset(server, 'QUEST_001');
    const holderOnly = await tablet(server, 'TABLET_A');
    const holderAndViewer = await tablet(server, 'TABLET_B');
    await holderOnly.ask('tablet-lock-device', 'QUEST_001');
    await h.ask('headset-status', 'one');
    await holderOnly.next('on-headset-status-updated');
    await holderOnly.ask('tablet-unlock-device', 'QUEST_001');
    await holderAndViewer.ask('tablet-connect-headset', 'QUEST_001');
    await holderAndViewer.ask('tablet-lock-device', 'QUEST_001');
    await holderAndViewer.ask('tablet-unlock-device', 'QUEST_001');
    await sleep(100);
    await h.ask('headset-status', 'two');
    expect(await holderAndViewer.next('on-headset-status-updated', (d) => d === 'two')).toEqual(['two', 'QUEST_001']);
    await sleep(100);
    // Each copy arrived once (one room per headset), and the former holder got nothing more.
    expect(holderAndViewer.count('on-headset-status-updated')).toBe(1);
    expect(holderOnly.count('on-headset-status-updated')).toBe(1);
  });

  it('counts lock operations and locked devices in metrics', async () => {
    const server = await start();
    await headset(server, 'QUEST_001');
    const t = await tablet(server, 'TABLET_A');
    const other = await tablet(server, 'TABLET_B');
    await t.ask('tablet-lock-device', 'QUEST_001');
    await other.ask('tablet-lock-device', 'QUEST_001');
    const text = await (await fetch(`${server.url()}/metrics`)).text();
    expect(text).toMatch(/turing_device_lock_operations_total\{operation="lock",success="true"\} 1/);
    expect(text).toMatch(/turing_device_lock_operations_total\{operation="lock",success="false"\} 1/);
    expect(text).toMatch(/turing_locked_devices_total 1/);
  });
});

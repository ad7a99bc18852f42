import { describe, expect, it } from 'vitest';
import { connectClient, identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * A tablet or dashboard that comes after the headsets hears the state as it is now, not
 * only its next change (issue 36: the documented tablet example waited for a list that
 * was only sent on a change).
 */
describe.each(STORE_KINDS)('state on connect (%s store)', (kind) => {
  const start = serverFactory(kind, useTestRedis());

  it('a tablet hears the headset lists and every lock (its own among them) as it connects', async () => {
    const server = await start();
    const before = await tabletClient(server, 'T0');
    await identifiedHeadset(server, 'H1');
    await identifiedHeadset(server, 'H2');
    await before.next('on-headsets-updated', (ids) => ids.length === 2);
    const first = await tabletClient(server, 'T1');
    // The lists T1 heard as it connected, before the lock: the state then.
    expect((await first.next('on-headsets-updated'))[0].sort()).toEqual(['H1', 'H2']);
    expect(await first.ask('tablet-lock-device', 'H1')).toMatchObject({ ok: true });
    await first.next('on-device-locks-updated', (locks) => locks.some((l) => l.deviceId === 'H1' && l.isLocked));
    first.close();

    // T1 comes back: the lists and its lock, without any change to wait for.
    const again = await tabletClient(server, 'T1');
    const [withLocks] = await again.next('on-headsets-with-lock-status-updated');
    expect(withLocks.map((h) => [h.deviceId, h.isLocked, h.lockedByTabletId]).sort()).toEqual([
      ['H1', true, 'T1'],
      ['H2', false, undefined],
    ]);
    const [locks] = await again.next('on-device-locks-updated');
    expect(locks.find((l) => l.deviceId === 'H1')).toEqual({ deviceId: 'H1', isLocked: true, lockedByTabletId: 'T1' });
    expect((await again.next('on-headsets-updated'))[0].sort()).toEqual(['H1', 'H2']);
  });

  it('a dashboard hears the headset lists when it subscribes', async () => {
    const server = await start();
    const before = await tabletClient(server, 'T0');
    await identifiedHeadset(server, 'H1');
    // The list's broadcast has gone out (to T0) before the dashboard subscribes.
    await before.next('on-headsets-updated', (ids) => ids.includes('H1'));
    const dashboard = await connectClient(server, { deviceId: 'D1', deviceType: 'dashboard' });
    expect(dashboard.count('on-headsets-updated')).toBe(0);
    expect(await dashboard.ask('dashboard-subscribe')).toMatchObject({ ok: true, devices: 1 });
    expect((await dashboard.next('on-headsets-updated'))[0]).toEqual(['H1']);
    expect((await dashboard.next('on-headsets-with-lock-status-updated'))[0]).toMatchObject([{ deviceId: 'H1', isLocked: false }]);
  });
});

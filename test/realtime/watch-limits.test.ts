import { describe, expect, it } from 'vitest';
import { rooms } from '../../src/realtime/rooms';
import type { CaptureServer } from '../../src/app';
import { connectClient, identifiedHeadset } from '../helpers/clients';
import { STORE_KINDS, serverFactory, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();

/** Sockets (anywhere) in a headset's viewers room. */
const viewersOf = async (server: CaptureServer, deviceId: string) => (await server.io.in(rooms.viewers(deviceId)).fetchSockets()).length;

describe.each(STORE_KINDS)('watch limits (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('refuses to watch a device that has never connected, and joins no room for it', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    const answer = await dashboard.ask('dashboard-watch-device', 'INVENTED_1');
    expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/unknown/) });
    const tablet = await connectClient(server, { deviceId: 'TABLET_1', deviceType: 'tablet' });
    expect(await tablet.ask('tablet-connect-headset', 'INVENTED_2')).toMatchObject({ ok: false });
    expect(await viewersOf(server, 'INVENTED_1')).toBe(0);
    expect(await viewersOf(server, 'INVENTED_2')).toBe(0);
  });

  it('caps the devices one connection views at MAX_WATCHES_PER_SOCKET', async () => {
    const server = await start({ MAX_WATCHES_PER_SOCKET: '2' });
    for (const id of ['QUEST_1', 'QUEST_2', 'QUEST_3']) await identifiedHeadset(server, id);
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_1')).toMatchObject({ ok: true });
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_2')).toMatchObject({ ok: true });
    // Watching one already watched is not a new watch.
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_2')).toMatchObject({ ok: true });
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_3')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/already views 2/),
    });
    expect(await viewersOf(server, 'QUEST_3')).toBe(0);

    // The cap is per connection: another one may watch, and an unwatch makes room.
    const other = await connectClient(server, { deviceId: 'DASH_2', deviceType: 'dashboard' });
    expect(await other.ask('dashboard-watch-device', 'QUEST_3')).toMatchObject({ ok: true });
    expect(await dashboard.ask('dashboard-unwatch-device', 'QUEST_1')).toMatchObject({ ok: true });
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_3')).toMatchObject({ ok: true });
    expect(await viewersOf(server, 'QUEST_3')).toBe(2);
  });
});

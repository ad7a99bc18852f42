import { describe, expect, it } from 'vitest';
import { PreviewRates } from '../../src/frames/preview-rates';
import { rooms } from '../../src/realtime/rooms';
import { connectClient, eventually, identifiedHeadset, sleep, type TestClient } from '../helpers/clients';
import { serverFactory, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();

/** A headset's 30 fps stream, on a clock the test sets: how many frames each rate lets through. */
function sentPerRate(seconds: number, sourceFps = 30): Map<number, number> {
  const rates = new PreviewRates();
  const sent = new Map<number, number>();
  for (let i = 0; i < seconds * sourceFps; i++) {
    for (const fps of rates.due('H1', (i * 1000) / sourceFps)) sent.set(fps, (sent.get(fps) ?? 0) + 1);
  }
  return sent;
}

const framesAt = (client: TestClient, deviceId: string) =>
  client.received.filter((r) => r.event === 'on-headset-frame-updated' && r.args[1] === deviceId).length;

describe('preview rates (frames dropped per viewer, on the server)', () => {
  it('lets each rate through at most that many frames a second of a 30 fps stream', () => {
    const sent = sentPerRate(10);
    expect(Object.fromEntries(sent)).toEqual({ 1: 10, 2: 20, 5: 50, 10: 100, 15: 150 });
  });

  it('restarts a rate after a pause instead of sending a burst', () => {
    const rates = new PreviewRates([5]);
    expect(rates.due('H1', 0)).toEqual([5]);
    expect(rates.due('H1', 100)).toEqual([]);
    expect(rates.due('H1', 10_000)).toEqual([5]);
    expect(rates.due('H1', 10_033)).toEqual([]);
    expect(rates.due('H1', 10_200)).toEqual([5]);
    rates.forget('H1');
    expect(rates.size).toBe(0);
  });

  const start = serverFactory('memory', redis);

  it('sends a viewer of 16 headsets at 5 fps a fraction of the frames, with the headsets sending as before', async () => {
    const server = await start();
    const ids = Array.from({ length: 16 }, (_, i) => `QUEST_${String(i + 1).padStart(2, '0')}`);
    const headsets = await Promise.all(ids.map((id) => identifiedHeadset(server, id)));
    const wall = await connectClient(server, { deviceId: 'DASH_WALL', deviceType: 'dashboard' });
    const full = await connectClient(server, { deviceId: 'DASH_FULL', deviceType: 'dashboard' });
    for (const id of ids)
      expect(await wall.ask('dashboard-watch-preview', { deviceId: id, fps: 5 })).toEqual({ ok: true, deviceId: id, fps: 5 });
    expect(await full.ask('dashboard-watch-device', ids[0]!)).toMatchObject({ ok: true });
    const before = headsets.map((h) => h.received.length);

    // 30 frames a headset at ~30 fps: about a second of a 16-headset wall.
    for (let i = 0; i < 30; i++) {
      for (const h of headsets) h.socket.emit('headset-frame', `frame-${i}-${'A'.repeat(500)}`);
      await sleep(33);
    }

    await eventually(() => expect(framesAt(full, ids[0]!)).toBe(30));
    for (const id of ids) {
      const got = framesAt(wall, id);
      expect(got, id).toBeGreaterThan(0);
      // 5 a second over however long the stream took, plus the first: far fewer than the 30 sent.
      expect(got, id).toBeLessThan(15);
    }
    // The headsets were asked for nothing new: their stream is relayed once and thinned per rate on the server.
    expect(headsets.map((h) => h.received.length)).toEqual(before);
    expect(await server.metrics.framesRelayed.get()).toMatchObject({ values: [{ value: 16 * 30 }] });
  });

  it('moves a viewer between rates and back to every frame, leaving its other rooms', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_1');
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    const inRoom = async (room: string) => (await server.io.in(room).fetchSockets()).length;
    await dashboard.ask('dashboard-watch-preview', { deviceId: 'QUEST_1', fps: 2 });
    expect(await inRoom(rooms.preview('QUEST_1', 2))).toBe(1);
    expect(await inRoom(rooms.watch('QUEST_1'))).toBe(0);
    await dashboard.ask('dashboard-watch-preview', { deviceId: 'QUEST_1', fps: 10 });
    expect([await inRoom(rooms.preview('QUEST_1', 2)), await inRoom(rooms.preview('QUEST_1', 10))]).toEqual([0, 1]);
    await dashboard.ask('dashboard-watch-device', 'QUEST_1');
    expect([await inRoom(rooms.preview('QUEST_1', 10)), await inRoom(rooms.watch('QUEST_1'))]).toEqual([0, 1]);
    await dashboard.ask('dashboard-unwatch-device', 'QUEST_1');
    expect([await inRoom(rooms.watch('QUEST_1')), await inRoom(rooms.viewers('QUEST_1'))]).toEqual([0, 0]);
    // A rate not offered is refused with a code, and joins nothing.
    expect(await dashboard.ask('dashboard-watch-preview', { deviceId: 'QUEST_1', fps: 7 })).toMatchObject({ ok: false, code: 'invalid' });
    expect(await inRoom(rooms.viewers('QUEST_1'))).toBe(0);
  });
});

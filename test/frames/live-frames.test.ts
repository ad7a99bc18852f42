import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { CaptureServer } from '../../src/app';
import type { FrameDropReason } from '../../src/frames/frame-relay';
import { connectClient, eventually, identifiedHeadset, knownHeadset, sleep, tabletClient, type TestClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis, type StoreKind } from '../helpers/test-server';

const redis = useTestRedis();

/** The frames a client received, as (frame, deviceId) pairs in arrival order. */
const framesAt = (client: TestClient, deviceId?: string) =>
  client.received.filter((r) => r.event === 'on-headset-frame-updated' && (!deviceId || r.args[1] === deviceId)).map((r) => r.args[0]);

async function dropped(server: CaptureServer, reason: FrameDropReason): Promise<number> {
  const { values } = await server.metrics.framesDropped.get();
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function counter(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

/** Sends frames at a steady pace, the way a headset's capture loop does. */
async function stream(headset: TestClient, frames: unknown[], intervalMs: number): Promise<void> {
  for (const frame of frames) {
    headset.socket.emit('headset-frame', frame);
    await sleep(intervalMs);
  }
}

/** A dashboard watching one headset's frames. */
async function watcher(server: CaptureServer, id: string, deviceId: string): Promise<TestClient> {
  const client = await connectClient(server, { deviceId: id, deviceType: 'dashboard' });
  expect(await client.ask('dashboard-watch-device', deviceId)).toMatchObject({ ok: true });
  return client;
}

describe('live frames', () => {
  const start = serverFactory('memory', redis);

  it('relays a steady 30 fps stream whole and in order to every viewer', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const tablet = await tabletClient(server, 'TABLET_1');
    expect(await tablet.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true });
    const dashboard = await watcher(server, 'DASH_1', 'QUEST_001');
    const frames = Array.from({ length: 45 }, (_, i) => `frame-${i}-${'A'.repeat(2000)}`);

    await stream(headset, frames, 33);

    await eventually(() => expect(framesAt(tablet)).toEqual(frames));
    await eventually(() => expect(framesAt(dashboard)).toEqual(frames));
    expect(tablet.received.filter((r) => r.event === 'on-headset-frame-updated').every((r) => r.args[1] === 'QUEST_001')).toBe(true);
    expect(await counter(server.metrics.framesRelayed)).toBe(45);
    expect(await counter(server.metrics.frameBytesRelayed)).toBe(frames.reduce((n, f) => n + f.length, 0));
  });

  it('gives a tablet holding several headsets every frame of each', async () => {
    const server = await start();
    const ids = ['QUEST_001', 'QUEST_002', 'QUEST_003'];
    const headsets = await Promise.all(ids.map((id) => identifiedHeadset(server, id)));
    const tablet = await tabletClient(server, 'TABLET_1');
    expect(await tablet.ask('tablet-lock-devices', ids)).toMatchObject({ ok: true, locked: ids });
    const framesOf = (id: string) => Array.from({ length: 30 }, (_, i) => Buffer.from(`${id}:${i}`));

    await Promise.all(headsets.map((h, i) => stream(h, framesOf(ids[i]!), 33)));

    for (const id of ids) await eventually(() => expect(framesAt(tablet, id)).toEqual(framesOf(id)));
  });

  it('keeps a string frame a string and a binary frame binary', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const viewer = await watcher(server, 'DASH_1', 'QUEST_001');
    const base64 = Buffer.from('a JPEG, pretend').toString('base64');
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]);

    expect(await headset.ask('headset-frame', base64)).toEqual({ ok: true });
    await sleep(40);
    expect(await headset.ask('headset-frame', bytes)).toEqual({ ok: true });
    await sleep(40);
    expect(await headset.ask('headset-frame', new Uint8Array([9, 8, 7]))).toEqual({ ok: true });

    await eventually(() => expect(framesAt(viewer)).toHaveLength(3));
    const [asString, asBuffer, asArray] = framesAt(viewer);
    expect(asString).toBe(base64);
    expect(Buffer.isBuffer(asBuffer)).toBe(true);
    expect(asBuffer).toEqual(bytes);
    expect(Buffer.isBuffer(asArray)).toBe(true);
    expect(asArray).toEqual(Buffer.from([9, 8, 7]));
  });

  it('throttles a flooding headset to about one frame per FRAME_THROTTLE_MS', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const viewer = await watcher(server, 'DASH_1', 'QUEST_001');
    const sent = 300;
    const began = Date.now();
    // About 300 fps: three frames every 10 ms.
    for (let i = 0; i < sent; i++) {
      headset.socket.emit('headset-frame', `frame-${i}`);
      if (i % 3 === 2) await sleep(10);
    }
    const seconds = (Date.now() - began) / 1000;

    // Every frame is accounted for: relayed, throttled, or (if the test process stalled) overflowed.
    await eventually(async () =>
      expect(framesAt(viewer).length + (await dropped(server, 'throttle')) + (await dropped(server, 'overflow'))).toBe(sent),
    );
    const relayed = framesAt(viewer).length;
    expect(relayed).toBeGreaterThan(0);
    // 1000 / 16 = 62.5 a second, plus the one early frame the throttle allows.
    expect(relayed).toBeLessThanOrEqual(Math.ceil(seconds * 62.5) + 2);
    expect(await dropped(server, 'throttle')).toBeGreaterThan(sent / 2);
    // The survivors keep their order.
    const order = framesAt(viewer).map((f) => Number(String(f).split('-')[1]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('sends the frames queued between two ticks together, dropping the oldest past the batch limit', async () => {
    // A long tick and no throttle make the batches the test's own.
    const server = await start({ FRAME_BATCH_INTERVAL_MS: '1500', FRAME_THROTTLE_MS: '0', MAX_FRAME_BATCH_SIZE: '5' });
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const viewer = await watcher(server, 'DASH_1', 'QUEST_001');

    for (let i = 0; i < 3; i++) headset.socket.emit('headset-frame', `a${i}`);
    await eventually(() => expect(framesAt(viewer)).toEqual(['a0', 'a1', 'a2']));
    for (let i = 0; i < 8; i++) headset.socket.emit('headset-frame', `b${i}`);
    await eventually(() => expect(framesAt(viewer)).toEqual(['a0', 'a1', 'a2', 'b3', 'b4', 'b5', 'b6', 'b7']));

    expect(await dropped(server, 'overflow')).toBe(3);
    const { values } = await server.metrics.frameBatchSize.get();
    expect(values.find((v) => v.metricName === 'turing_frame_batch_size_count')?.value).toBe(2);
    expect(values.find((v) => v.metricName === 'turing_frame_batch_size_sum')?.value).toBe(8);
  });

  it('drops a frame over the 1 MB limit and keeps the socket connected', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const viewer = await watcher(server, 'DASH_1', 'QUEST_001');

    const answer = await headset.ask('headset-frame', Buffer.alloc(1024 * 1024 + 1));
    expect(answer).toEqual({ ok: false, code: 'oversize', error: 'frame of 1048577 bytes is over the 1048576 byte limit' });
    expect(await headset.next('on-event-rejected')).toEqual([{ event: 'headset-frame', reason: answer.error, code: 'oversize' }]);
    expect(await dropped(server, 'oversize')).toBe(1);

    expect(headset.socket.connected).toBe(true);
    expect(await headset.ask('headset-frame', Buffer.alloc(1024 * 1024))).toEqual({ ok: true });
    await eventually(() => expect(framesAt(viewer)).toHaveLength(1));
    expect((framesAt(viewer)[0] as Buffer).length).toBe(1024 * 1024);
  });

  it('refuses frames from a socket that is not an identified headset, and payloads that are not frames', async () => {
    const server = await start();
    await knownHeadset(server, 'QUEST_001');
    const viewer = await watcher(server, 'DASH_1', 'QUEST_001');
    const anonymous = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });
    const tablet = await tabletClient(server, 'TABLET_1');
    const headset = await identifiedHeadset(server, 'QUEST_001');

    expect(await anonymous.ask('headset-frame', 'abc')).toEqual({
      ok: false,
      code: 'not_identified',
      error: 'send headset-identify first',
    });
    expect(await tablet.ask('headset-frame', 'abc')).toEqual({ ok: false, code: 'not_identified', error: 'send headset-identify first' });
    expect(await dropped(server, 'not_identified')).toBe(2);

    for (const bad of [42, { frame: 'abc' }, null, '', ['abc']]) {
      expect(await headset.ask('headset-frame', bad)).toEqual({
        ok: false,
        code: 'invalid',
        error: 'a frame is a non-empty base64 JPEG string or binary',
      });
    }
    expect(await headset.ask('headset-frame')).toMatchObject({ ok: false });
    expect(await dropped(server, 'invalid')).toBe(6);

    expect(await headset.ask('headset-frame', 'fine')).toEqual({ ok: true });
    await eventually(() => expect(framesAt(viewer)).toEqual(['fine']));
  });

  it('does not let a viewer that stops reading hold back the others, nor pile frames up for it', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const healthy = await watcher(server, 'DASH_1', 'QUEST_001');
    const stalled = await watcher(server, 'DASH_2', 'QUEST_001');
    // The stalled viewer's process stops reading its socket; kernel buffers fill, then the server's writes wait.
    const stalledWs = (stalled.socket.io.engine.transport as unknown as { ws: WebSocket }).ws;
    stalledWs.pause();
    // Socket.IO gives a client the ID of its server-side socket.
    const serverSide = server.io.sockets.sockets.get(stalled.socket.id!);
    expect(serverSide).toBeDefined();
    // Packets engine.io holds for the socket until its transport can write again.
    const queued = () => (serverSide!.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
    const frames = Array.from({ length: 60 }, (_, i) => Buffer.alloc(512 * 1024, i));
    let mostQueued = 0;

    for (const frame of frames) {
      headset.socket.emit('headset-frame', frame);
      mostQueued = Math.max(mostQueued, queued());
      await sleep(33);
    }

    // 30 MB went out to the healthy viewer while the stalled one read nothing.
    await eventually(() => expect(framesAt(healthy).map((f) => (f as Buffer)[0])).toEqual(frames.map((_, i) => i)), 10_000);
    // What the server holds for the stalled viewer stays at about one frame (a binary frame is two packets).
    expect(mostQueued).toBeLessThanOrEqual(2);
    stalledWs.resume();
    await sleep(500);
    const got = framesAt(stalled);
    expect(got.length).toBeLessThan(frames.length);
    expect(await dropped(server, 'overflow')).toBe(0);
  });

  it('frees a headset’s frame state when it disconnects', async () => {
    const server = await start();
    const streams = async () => (await server.metrics.registry.getSingleMetric('turing_frame_streams')!.get()).values[0]?.value;
    const headset = await identifiedHeadset(server, 'QUEST_001');
    await headset.ask('headset-frame', 'abc');
    expect(await streams()).toBe(1);
    headset.close();
    await eventually(async () => expect(await streams()).toBe(0));
  });
});

describe.each(STORE_KINDS)('who receives live frames on the %s store', (kind: StoreKind) => {
  const start = serverFactory(kind, redis);

  it('reaches the lock holder, connected tablets and watching dashboards, and nobody else', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const other = await identifiedHeadset(server, 'QUEST_002');
    const holder = await tabletClient(server, 'TABLET_HOLDER');
    expect(await holder.ask('tablet-lock-device', 'QUEST_001')).toMatchObject({ ok: true });
    const connected = await tabletClient(server, 'TABLET_VIEWER');
    expect(await connected.ask('tablet-connect-headset', 'QUEST_001')).toMatchObject({ ok: true });
    const watching = await watcher(server, 'DASH_WATCH', 'QUEST_001');
    const otherHolder = await tabletClient(server, 'TABLET_OTHER');
    expect(await otherHolder.ask('tablet-lock-device', 'QUEST_002')).toMatchObject({ ok: true });
    const bystander = await tabletClient(server, 'TABLET_BYSTANDER');
    const subscribed = await connectClient(server, { deviceId: 'DASH_FLEET', deviceType: 'dashboard' });
    expect(await subscribed.ask('dashboard-subscribe')).toMatchObject({ ok: true });
    const receivers = [holder, connected, watching];
    const nobody = [headset, other, otherHolder, bystander, subscribed];

    expect(await headset.ask('headset-frame', 'f1')).toEqual({ ok: true });
    for (const r of receivers) await eventually(() => expect(framesAt(r)).toEqual(['f1']));

    // The dashboard stops watching; the next frame reaches only the tablets.
    expect(await watching.ask('dashboard-unwatch-device', 'QUEST_001')).toMatchObject({ ok: true });
    await sleep(40);
    expect(await headset.ask('headset-frame', 'f2')).toEqual({ ok: true });
    for (const r of [holder, connected]) await eventually(() => expect(framesAt(r)).toEqual(['f1', 'f2']));
    // The frame has passed everyone it was going to reach; the others never saw one.
    await sleep(100);
    expect(framesAt(watching)).toEqual(['f1']);
    for (const n of nobody) expect(framesAt(n)).toEqual([]);

    // Unlocking ends the holder's view.
    expect(await holder.ask('tablet-unlock-device', 'QUEST_001')).toMatchObject({ ok: true });
    await sleep(40);
    expect(await headset.ask('headset-frame', 'f3')).toEqual({ ok: true });
    await eventually(() => expect(framesAt(connected)).toEqual(['f1', 'f2', 'f3']));
    await sleep(100);
    expect(framesAt(holder)).toEqual(['f1', 'f2']);
  });
});

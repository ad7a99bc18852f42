import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { testConfig } from '../../src/config';
import { createStore, type Store } from '../../src/state';
import {
  closeAllClients,
  connectClient,
  eventually,
  identifiedHeadset,
  knownHeadset,
  tabletClient,
  type TestClient,
} from '../helpers/clients';
import { serverFactory, startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();

type Answer = { ok: boolean; error?: string; [key: string]: unknown };

/** Emits without waiting; the promise is the event's ack. Emits made in one tick leave in that order. */
function send(client: TestClient, event: string, ...args: unknown[]): Promise<Answer> {
  return new Promise((resolve) => {
    (client.socket.emit as (e: string, ...a: unknown[]) => void)(event, ...args, resolve);
  });
}

const telemetry = (deviceId: string) => ({ deviceId, timestamp: Date.now(), batteryLevel: 0.8, isRecording: false });

describe.each(STORE_KINDS)('events from one socket are handled in arrival order (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('accepts telemetry emitted right behind headset-identify', async () => {
    const server = await start();
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');
    const headset = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });

    const [identified, accepted] = await Promise.all([
      send(headset, 'headset-identify', 'QUEST_001'),
      send(headset, 'device-telemetry', telemetry('QUEST_001')),
    ]);

    expect(identified).toEqual({ ok: true, deviceId: 'QUEST_001' });
    expect(accepted).toEqual({ ok: true });
    expect(headset.count('on-event-rejected')).toBe(0);
    const [update] = await dashboard.next('on-device-telemetry-updated');
    expect(update.telemetry?.batteryLevel).toBe(0.8);
    expect(await server.store.devices.getTelemetry('QUEST_001')).toMatchObject({ batteryLevel: 0.8 });
  });

  it('starts recording on a headset locked by the event just before', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_001');
    const tablet = await tabletClient(server, 'TABLET_1');

    const [locked, started] = await Promise.all([
      send(tablet, 'tablet-lock-device', 'QUEST_001'),
      send(tablet, 'tablet-start-recording', 'QUEST_001'),
    ]);

    expect(locked).toMatchObject({ ok: true, deviceId: 'QUEST_001' });
    expect(started).toMatchObject({ ok: true, deviceId: 'QUEST_001', command: 'start', state: 'sent' });
    await headset.next('on-tablet-start-recording');
    expect(tablet.count('on-recording-denied')).toBe(0);
  });

  it('relays a frame sent right behind headset-identify', async () => {
    const server = await start();
    await knownHeadset(server, 'QUEST_001');
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect(await dashboard.ask('dashboard-watch-device', 'QUEST_001')).toMatchObject({ ok: true });
    const headset = await connectClient(server, { deviceId: 'QUEST_001', deviceType: 'headset' });

    const [identified, relayed] = await Promise.all([
      send(headset, 'headset-identify', 'QUEST_001'),
      send(headset, 'headset-frame', 'first-frame'),
    ]);

    expect(identified.ok).toBe(true);
    expect(relayed).toEqual({ ok: true });
    const [frame, deviceId] = await dashboard.next('on-headset-frame-updated');
    expect([frame, deviceId]).toEqual(['first-frame', 'QUEST_001']);
  });

  it('answers a burst of control events in the order they were sent', async () => {
    const server = await start();
    for (const id of ['H1', 'H2', 'H3']) await identifiedHeadset(server, id);
    const tablet = await tabletClient(server, 'TABLET_1');

    // Lock, unlock and lock again: only in order does the tablet end up holding H1 and H3, not H2.
    const answers = await Promise.all([
      send(tablet, 'tablet-lock-device', 'H1'),
      send(tablet, 'tablet-lock-device', 'H2'),
      send(tablet, 'tablet-unlock-device', 'H2'),
      send(tablet, 'tablet-lock-device', 'H3'),
      send(tablet, 'tablet-unlock-device', 'H1'),
      send(tablet, 'tablet-lock-device', 'H1'),
    ]);

    expect(answers.map((a) => a.ok)).toEqual([true, true, true, true, true, true]);
    expect((await server.store.locks.heldBy('TABLET_1')).sort()).toEqual(['H1', 'H3']);
  });
});

/** A memory store whose device saves for one device wait until released. */
function storeWithSlowDevice(slowDeviceId: string): { store: Store; release: () => void } {
  const store = createStore(testConfig({}), pino({ level: 'silent' }));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const save = store.devices.save.bind(store.devices);
  store.devices.save = async (device) => {
    if (device.deviceId === slowDeviceId) await gate;
    return save(device);
  };
  return { store, release };
}

describe('a slow handler holds back only its own socket', () => {
  let server: CaptureServer | undefined;
  afterEach(async () => {
    closeAllClients();
    await server?.close();
  });

  it('answers other sockets while one socket waits on the store, then finishes the waiting socket in order', async () => {
    const { store, release } = storeWithSlowDevice('QUEST_SLOW');
    server = await startServer({ store });
    const slow = await connectClient(server, { deviceId: 'QUEST_SLOW', deviceType: 'headset' });
    const slowAnswers = Promise.all([
      send(slow, 'headset-identify', 'QUEST_SLOW'),
      send(slow, 'device-telemetry', telemetry('QUEST_SLOW')),
    ]);

    // The slow socket's identify is parked on the store; another headset is served meanwhile.
    const fast = await connectClient(server, { deviceId: 'QUEST_FAST', deviceType: 'headset' });
    expect(await fast.ask('headset-identify', 'QUEST_FAST')).toEqual({ ok: true, deviceId: 'QUEST_FAST' });
    expect(await fast.ask('device-telemetry', telemetry('QUEST_FAST'))).toEqual({ ok: true });
    expect(await store.devices.get('QUEST_SLOW')).toBeNull();

    release();
    expect(await slowAnswers).toEqual([{ ok: true, deviceId: 'QUEST_SLOW' }, { ok: true }]);
    await eventually(async () => expect(await store.devices.getTelemetry('QUEST_SLOW')).toMatchObject({ batteryLevel: 0.8 }));
  });
});

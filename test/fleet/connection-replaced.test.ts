import { describe, expect, it } from 'vitest';
import { eventually, identifiedHeadset } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { telemetry } from '../helpers/fixtures';

const redis = useTestRedis();

describe.each(STORE_KINDS)('one connection per headset on the %s store (issue 17, 15)', (kind) => {
  const start = serverFactory(kind, redis);

  it('a new identify closes the previous connection of that device, telling it why', async () => {
    const server = await start();
    const older = await identifiedHeadset(server, 'H1');
    const closed = new Promise<string>((resolve) => older.socket.once('disconnect', (reason) => resolve(reason)));
    const newer = await identifiedHeadset(server, 'H1');

    const [notice] = await older.next('on-connection-replaced');
    expect(notice).toEqual({ deviceId: 'H1', reason: expect.stringContaining('another connection identified as H1') });
    // A server disconnect: socket.io-client does not reconnect by itself, so two copies cannot take turns.
    expect(await closed).toBe('io server disconnect');
    expect(newer.count('on-connection-replaced')).toBe(0);

    // The older connection's close does not take the device offline: the newer one is it.
    await eventually(async () => expect(await server.store.devices.get('H1')).toMatchObject({ isOnline: true, socketId: newer.socket.id }));
    expect(await newer.ask('device-telemetry', telemetry('H1'))).toMatchObject({ ok: true });
  });

  it('when the newer connection closes, the device is offline: no older one is left behind pretending', async () => {
    const server = await start();
    const older = await identifiedHeadset(server, 'H1');
    const newer = await identifiedHeadset(server, 'H1');
    await older.next('on-connection-replaced');
    newer.close();
    await eventually(async () => expect((await server.store.devices.get('H1'))?.isOnline).toBe(false));
    // Nothing of H1 is still connected to the server while it shows offline.
    expect((await server.io.in('device:H1').fetchSockets()).length).toBe(0);
  });
});

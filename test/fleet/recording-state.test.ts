import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis, type StoreKind } from '../helpers/test-server';
import { connectClient, eventually, identifiedHeadset } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';

const redis = useTestRedis();

/**
 * A device's recording flag is its latest report: the headset's own
 * recording-state event or the flag in its telemetry, whichever came last.
 * Reconnecting or going offline forgets it, so nothing counts a headset that
 * is not there as recording.
 */
describe.each(STORE_KINDS)('recording state follows the latest report on the %s store', (kind: StoreKind) => {
  const start = serverFactory(kind, redis);

  const recordingOf = async (server: CaptureServer, deviceId: string) =>
    (await server.services.devices.deviceStates()).find((d) => d.deviceId === deviceId)?.isRecording;
  const summary = async (server: CaptureServer) => (await server.services.devices.summary()).recordingDevices;
  // The gauges cache one store snapshot for a second, so wait for a snapshot that shows the change.
  const gauge = async (server: CaptureServer, value: number) =>
    eventually(async () => {
      const text = await (await fetch(`${server.url()}/metrics`)).text();
      expect(text).toMatch(new RegExp(`^turing_recording_devices_total ${value}$`, 'm'));
    });

  it('telemetry saying false clears a recording flag set by headset-recording-state', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    await h.ask('headset-recording-state', true);
    expect(await recordingOf(server, 'H1')).toBe(true);
    await gauge(server, 1);
    await h.ask('device-telemetry', telemetry('H1', { isRecording: false }));
    expect(await recordingOf(server, 'H1')).toBe(false);
    expect(await summary(server)).toBe(0);
    await gauge(server, 0);
    await h.ask('device-telemetry', telemetry('H1', { isRecording: true }));
    expect(await recordingOf(server, 'H1')).toBe(true);
    // Telemetry without the flag says nothing about recording.
    await h.ask('device-telemetry', telemetry('H1', { batteryLevel: 0.5, isRecording: undefined }));
    expect(await recordingOf(server, 'H1')).toBe(true);
  });

  it('a headset going offline is no longer recording', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    await h.ask('device-telemetry', telemetry('H1', { isRecording: true }));
    await h.ask('headset-recording-state', true);
    await gauge(server, 1);
    h.close();
    await eventually(async () => expect((await server.store.devices.get('H1'))?.isOnline).toBe(false));
    expect((await server.store.devices.get('H1'))?.isRecording).toBe(false);
    expect(await recordingOf(server, 'H1')).toBe(false);
    expect(await summary(server)).toBe(0);
    await gauge(server, 0);
  });

  it('a reconnecting headset starts as not recording until it reports again', async () => {
    const server = await start();
    const first = await identifiedHeadset(server, 'H1');
    await first.ask('device-telemetry', telemetry('H1', { isRecording: true }));
    await first.ask('headset-recording-state', true);
    // A new connection before the old one is noticed gone (a Wi-Fi drop).
    const second = await connectClient(server, { deviceId: 'H1', deviceType: 'headset' });
    await second.ask('headset-identify', 'H1');
    expect(await recordingOf(server, 'H1')).toBe(false);
    await gauge(server, 0);
    await second.ask('headset-recording-state', true);
    expect(await recordingOf(server, 'H1')).toBe(true);
  });
});

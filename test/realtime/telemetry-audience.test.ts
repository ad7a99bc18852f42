import { describe, expect, it, vi } from 'vitest';
import { connectClient, eventually, identifiedHeadset } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { serverFactory, useTestRedis } from '../helpers/test-server';
import { wireEvent } from '../../src/realtime/pre-encoded';

/**
 * On one process (no cluster adapter) telemetry is only built and broadcast for an
 * audience that exists: Socket.IO encodes a broadcast before it looks for members.
 */
describe('telemetry broadcasts on one process', () => {
  const start = serverFactory('memory', useTestRedis(), { TELEMETRY_BATCH_MS: '50' });

  it('broadcasts nothing for a headset nobody watches, and every update once someone does', async () => {
    const server = await start();
    const broadcast = vi.spyOn(server.io.of('/').adapter, 'broadcast');
    const telemetryBroadcasts = () =>
      broadcast.mock.calls.filter(([packet]) => {
        const event = wireEvent((packet as { data?: unknown }).data);
        return event === 'on-device-telemetry-updated' || event === 'on-fleet-telemetry-batch';
      }).length;
    const headset = await identifiedHeadset(server, 'QUEST_001');
    for (let i = 1; i <= 3; i++) expect((await headset.ask('device-telemetry', telemetry('QUEST_001', { frameCount: i }))).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 120)); // past a batch interval: no batch for nobody either
    expect(telemetryBroadcasts()).toBe(0);

    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    expect((await headset.ask('device-telemetry', telemetry('QUEST_001', { frameCount: 4 }))).ok).toBe(true);
    await eventually(() => expect(dashboard.received.some((r) => r.event === 'on-device-telemetry-updated')).toBe(true));
    expect(telemetryBroadcasts()).toBe(1);
  });
});

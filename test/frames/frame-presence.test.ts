import { describe, expect, it } from 'vitest';
import { closeAllClients, eventually, identifiedHeadset, sleep } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();
const STALE_MS = 1_000;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

/** A headset that streams frames and sends nothing else is alive, not stale. */
describe.each(STORE_KINDS)('frames as presence activity on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { DEVICE_STALE_MS: String(STALE_MS) });

  it('keeps a headset that only streams frames online past DEVICE_STALE_MS, and reports it stale once it stops', async () => {
    const server = await start();
    try {
      const streaming = await identifiedHeadset(server, 'H_STREAM');
      const silent = await identifiedHeadset(server, 'H_SILENT');
      const statusOf = async (id: string) => (await server.services.devices.deviceStates()).find((d) => d.deviceId === id)?.status;

      // Ten frames a second for 2.5 × DEVICE_STALE_MS; no telemetry, no status.
      const stream = setInterval(() => streaming.socket.emit('headset-frame', JPEG), 100);
      try {
        await eventually(async () => expect(await statusOf('H_SILENT')).toBe('stale'));
        await sleep(STALE_MS * 2.5);
        expect(await statusOf('H_STREAM')).toBe('online');
      } finally {
        clearInterval(stream);
      }
      await eventually(async () => expect(await statusOf('H_STREAM')).toBe('stale'));
      silent.close();
    } finally {
      closeAllClients();
      await server.close();
    }
  });
});

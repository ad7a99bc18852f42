import type { CaptureServer } from '../../src/app';
import { WallClock } from '../../src/util/wall-clock';
import { connectClient, type TestClient } from '../helpers/clients';

export interface SkewedHeadset {
  client: TestClient;
  /** The headset's own clock now (epoch ms, fractional). */
  deviceNow(): number;
  /** Its true offset (device minus server) at a server time. */
  trueOffset(serverMs: number): number;
}

/**
 * A headset whose clock is off the server's by a known offset, drifting at a
 * known rate, answering on-time-sync after `answerDelayMs` (its handling time
 * stamped before the delay, as a slow app would).
 */
export async function skewedHeadset(
  server: CaptureServer,
  deviceId: string,
  {
    offsetMs,
    driftPpm = 0,
    answerDelayMs = 0,
    answers = true,
  }: { offsetMs: number; driftPpm?: number; answerDelayMs?: number; answers?: boolean },
): Promise<SkewedHeadset> {
  const wall = new WallClock();
  const start = wall.now();
  const trueOffset = (serverMs: number) => offsetMs + (driftPpm * (serverMs - start)) / 1e6;
  const deviceNow = () => {
    const t = wall.now();
    return t + trueOffset(t);
  };
  const client = await connectClient(server, { deviceId, deviceType: 'headset' });
  if (answers) {
    client.socket.on('on-time-sync', (_payload, ack) => {
      const deviceTime = deviceNow();
      if (answerDelayMs > 0) setTimeout(() => ack({ deviceTime }), answerDelayMs);
      else ack({ deviceTime });
    });
  }
  const identified = await client.ask('headset-identify', deviceId);
  if (!identified.ok) throw new Error(`identify failed: ${identified.error}`);
  return { client, deviceNow, trueOffset };
}

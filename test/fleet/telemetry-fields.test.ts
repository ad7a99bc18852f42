import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { testConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { closeAllClients, connectClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { startServer } from '../helpers/test-server';
import { captureLog } from '../helpers/log-capture';

/**
 * A newer headset app that adds a telemetry field keeps reporting: the field
 * is dropped, counted and logged once per device and key.
 */
let server: CaptureServer;
const log = captureLog();
beforeAll(async () => {
  const env = { LOG_LEVEL: 'info' };
  server = await startServer({ env, logger: createLogger(testConfig(env), log.stream) });
});
afterAll(async () => {
  closeAllClients();
  await server.close();
});

const unknownKeyLogs = () => log.lines().filter((l) => /field not known/.test(l.msg));

async function droppedCount(): Promise<number> {
  const text = await (await fetch(`${server.url()}/metrics`)).text();
  return Number(/^turing_telemetry_unknown_keys_total (\d+)/m.exec(text)?.[1]);
}

describe('unknown telemetry fields', () => {
  it('accepts the message, stores the known fields, counts the unknown ones and logs each device and key once', async () => {
    const h = await connectClient(server, { deviceId: 'QUEST_NEW', deviceType: 'headset' });
    await h.ask('headset-identify', 'QUEST_NEW');
    const newer = telemetry('QUEST_NEW', { batteryLevel: 0.42, eyeTracked: true, fanSpeedRpm: 1200 });
    expect(await h.ask('device-telemetry', newer)).toEqual({ ok: true });
    expect(await h.ask('device-telemetry', JSON.stringify({ ...newer, batteryLevel: 0.41 }))).toEqual({ ok: true });

    const stored = (await server.store.devices.getTelemetry('QUEST_NEW')) as Record<string, unknown>;
    expect(stored.batteryLevel).toBe(0.41);
    expect(stored).not.toHaveProperty('eyeTracked');
    expect(stored).not.toHaveProperty('fanSpeedRpm');
    expect(await droppedCount()).toBe(4);
    expect(
      unknownKeyLogs()
        .map(({ deviceId, key }) => `${String(deviceId)}/${String(key)}`)
        .sort(),
    ).toEqual(['QUEST_NEW/eyeTracked', 'QUEST_NEW/fanSpeedRpm']);
  });

  it('limits a JSON string by its UTF-8 bytes', async () => {
    const h = await connectClient(server, { deviceId: 'QUEST_UTF', deviceType: 'headset' });
    await h.ask('headset-identify', 'QUEST_UTF');
    // 7,000 two-byte characters: 14,000 bytes, under 16 KB.
    expect(await h.ask('device-telemetry', JSON.stringify(telemetry('QUEST_UTF', { note: 'é'.repeat(7_000) })))).toEqual({ ok: true });
    // 9,000 of them: under 16,384 characters but over 16 KB.
    expect(await h.ask('device-telemetry', JSON.stringify(telemetry('QUEST_UTF', { note: 'é'.repeat(9_000) })))).toMatchObject({
      ok: false,
      error: /16384 bytes/,
    });
  });

  it('refuses a seconds timestamp, saying it wants milliseconds', async () => {
    const h = await connectClient(server, { deviceId: 'QUEST_SEC', deviceType: 'headset' });
    await h.ask('headset-identify', 'QUEST_SEC');
    const answer = await h.ask('device-telemetry', telemetry('QUEST_SEC', { timestamp: 1_764_600_000 }));
    expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/timestamp: .*milliseconds/) });
    expect(await h.ask('device-telemetry', telemetry('QUEST_SEC', { timestamp: 1_764_600_000_000 }))).toEqual({ ok: true });
  });
});

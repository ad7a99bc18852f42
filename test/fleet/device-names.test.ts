import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { MAX_DEVICE_NAMES } from '../../src/fleet/device-names';
import { identifiedHeadset, tokenFor } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/** Issue 35, item 6: operators name a headset from the console; the name is in the device views. */
const redis = useTestRedis();

async function rename(server: CaptureServer, deviceId: string, body: unknown, as: 'dashboard' | 'tablet' = 'dashboard') {
  const res = await fetch(`${server.url()}/api/devices/${encodeURIComponent(deviceId)}/name`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokenFor(server, as === 'dashboard' ? 'DASH_OPS' : 'TABLET_9', as)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function namesOf(server: CaptureServer): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url()}/api/devices`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  const { devices } = (await res.json()) as { devices: Array<{ deviceId: string; name?: string }> };
  return Object.fromEntries(devices.map((d) => [d.deviceId, d.name]));
}

describe.each(STORE_KINDS)('device names (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('names a headset for operators, shows the name in GET /api/devices, and removes it with null', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_1');
    await identifiedHeadset(server, 'QUEST_2');
    expect(await rename(server, 'QUEST_1', { name: '  Station 3 (left wrist)  ' })).toEqual({
      status: 200,
      body: { ok: true, deviceId: 'QUEST_1', name: 'Station 3 (left wrist)' },
    });
    expect(await namesOf(server)).toEqual({ QUEST_1: 'Station 3 (left wrist)', QUEST_2: undefined });
    expect((await rename(server, 'QUEST_1', { name: null })).status).toBe(200);
    expect(await namesOf(server)).toEqual({ QUEST_1: undefined, QUEST_2: undefined });
  });

  it('refuses a tablet, a bad name or device ID, and audits the rename with the operator as actor', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_1');
    expect(await rename(server, 'QUEST_1', { name: 'Mine' }, 'tablet')).toMatchObject({ status: 403, body: { code: 'role' } });
    for (const name of ['', 'x'.repeat(61), 'bell\u0007', 42]) {
      expect(await rename(server, 'QUEST_1', { name }), JSON.stringify(name)).toMatchObject({ status: 400, body: { code: 'invalid' } });
    }
    expect(await rename(server, 'QUEST_1', { name: 'ok', extra: true })).toMatchObject({ status: 400, body: { code: 'invalid' } });
    expect(await rename(server, '../etc', { name: 'x' })).toMatchObject({ status: 400, body: { code: 'invalid' } });
    expect(await namesOf(server)).toEqual({ QUEST_1: undefined });

    expect((await rename(server, 'QUEST_1', { name: 'Station 1' })).status).toBe(200);
    const res = await fetch(`${server.url()}/api/audit?limit=20`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
    const { entries } = (await res.json()) as { entries: Array<{ kind: string; actor?: { id: string }; details?: { route?: string } }> };
    expect(entries.find((e) => e.details?.route === '/api/devices/:deviceId/name' && e.actor?.id === 'DASH_OPS')).toBeDefined();
  });

  it('names at most MAX_DEVICE_NAMES devices, renaming a named one still allowed', async () => {
    const server = await start();
    const names = server.services.deviceNames;
    // Fill the store directly: ten thousand HTTP calls would only be slower.
    for (let i = 0; i < MAX_DEVICE_NAMES; i++) expect(await names.set(`D${i}`, `n${i}`)).toBe(true);
    expect(await rename(server, 'QUEST_NEW', { name: 'one more' })).toMatchObject({ status: 429, body: { code: 'quota_exceeded' } });
    expect((await rename(server, 'D7', { name: 'renamed' })).status).toBe(200);
  });
});

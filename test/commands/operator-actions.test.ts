import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { eventually, identifiedHeadset, tabletClient, tokenFor } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();

/** A POST as a dashboard (its token), a tablet, or the admin key. */
async function post(server: CaptureServer, path: string, as: 'dashboard' | 'tablet' | 'admin', body?: unknown) {
  const auth: Record<string, string> =
    as === 'admin'
      ? { 'x-api-key': server.config.auth.adminApiKey }
      : { authorization: `Bearer ${tokenFor(server, as === 'dashboard' ? 'DASH_OPS' : 'TABLET_9', as)}` };
  const res = await fetch(`${server.url()}${path}`, {
    method: 'POST',
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function timeline(server: CaptureServer, deviceId: string) {
  const res = await fetch(`${server.url()}/api/devices/${deviceId}/timeline`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return ((await res.json()) as { entries: Array<{ kind: string; actor?: { kind: string; id: string } }> }).entries;
}

describe.each(STORE_KINDS)('device actions from the console (%s store)', (kind) => {
  const start = serverFactory(kind, redis, { LOCK_GRACE_MS: '600000' });

  it('releases the lock of a tablet that is gone, refuses one still connected unless forced, and says who did it', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_1');
    await identifiedHeadset(server, 'QUEST_2');
    const gone = await tabletClient(server, 'T_GONE');
    expect(await gone.ask('tablet-lock-device', 'QUEST_1')).toMatchObject({ ok: true });
    gone.close();
    const here = await tabletClient(server, 'T_HERE');
    expect(await here.ask('tablet-lock-device', 'QUEST_2')).toMatchObject({ ok: true });

    // The tablet left without unlocking: its lock would last LOCK_GRACE_MS; the operator frees it now.
    await eventually(async () =>
      expect(await post(server, '/api/devices/QUEST_1/unlock', 'dashboard')).toEqual({
        status: 200,
        body: { ok: true, deviceId: 'QUEST_1', releasedFrom: 'T_GONE', tabletConnected: false },
      }),
    );
    expect(await server.store.locks.get('QUEST_1')).toBeNull();
    await eventually(async () =>
      expect((await timeline(server, 'QUEST_1')).find((e) => e.kind === 'lock.unlocked')?.actor).toEqual({
        kind: 'dashboard',
        id: 'DASH_OPS',
      }),
    );

    // A connected holder is refused with a code, and keeps the headset; with force it loses it and is told.
    expect(await post(server, '/api/devices/QUEST_2/unlock', 'dashboard')).toMatchObject({
      status: 409,
      body: { ok: false, code: 'lock_held' },
    });
    expect((await server.store.locks.get('QUEST_2'))?.tabletId).toBe('T_HERE');
    expect(await post(server, '/api/devices/QUEST_2/unlock', 'admin', { force: true })).toMatchObject({
      status: 200,
      body: { releasedFrom: 'T_HERE', tabletConnected: true },
    });
    await eventually(() => expect(here.received.some((r) => r.event === 'on-all-devices-unlocked')).toBe(true));

    // Nothing held, a tablet's token, a malformed body: refused, each with its code.
    expect(await post(server, '/api/devices/QUEST_2/unlock', 'dashboard')).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(await post(server, '/api/devices/QUEST_2/unlock', 'tablet')).toMatchObject({ status: 403, body: { code: 'role' } });
    expect(await post(server, '/api/devices/QUEST_2/unlock', 'dashboard', { force: 'yes' })).toMatchObject({
      status: 400,
      body: { code: 'invalid' },
    });
    expect(await post(server, '/api/devices/bad%20id/unlock', 'dashboard')).toMatchObject({ status: 400, body: { code: 'invalid' } });
  });

  it('stops a recording from the console: a ledger record issued by the operator, sent to the headset', async () => {
    const server = await start();
    const headset = await identifiedHeadset(server, 'QUEST_1');
    const tablet = await tabletClient(server, 'T1');
    await tablet.ask('tablet-lock-device', 'QUEST_1');
    await headset.ask('headset-recording-state', true);
    await eventually(async () => expect((await server.store.devices.get('QUEST_1'))?.isRecording).toBe(true));

    const stopped = await post(server, '/api/devices/QUEST_1/stop-recording', 'dashboard');
    expect(stopped).toMatchObject({ status: 200, body: { ok: true, deviceId: 'QUEST_1', state: 'sent' } });
    expect((stopped.body.record as { issuedBy: unknown }).issuedBy).toEqual({ kind: 'dashboard', id: 'DASH_OPS' });
    await eventually(() => expect(headset.received.some((r) => r.event === 'on-tablet-stop-recording')).toBe(true));
    await headset.ask('headset-recording-state', false);
    const commandId = stopped.body.commandId as string;
    await eventually(async () => expect((await server.store.commands.get(commandId))?.state).toBe('confirmed'));

    // Not recording: confirmed at once, nothing sent. Unknown, offline, a tablet: refused with codes.
    expect(await post(server, '/api/devices/QUEST_1/stop-recording', 'admin', {})).toMatchObject({
      status: 200,
      body: { state: 'confirmed' },
    });
    expect(await post(server, '/api/devices/NOPE_1/stop-recording', 'dashboard')).toMatchObject({
      status: 404,
      body: { code: 'unknown_device' },
    });
    expect(await post(server, '/api/devices/QUEST_1/stop-recording', 'tablet')).toMatchObject({ status: 403, body: { code: 'role' } });
    expect(await post(server, '/api/devices/QUEST_1/stop-recording', 'dashboard', { now: true })).toMatchObject({ status: 400 });
    headset.close();
    await eventually(async () => expect((await server.store.devices.get('QUEST_1'))?.isOnline).toBe(false));
    expect(await post(server, '/api/devices/QUEST_1/stop-recording', 'dashboard')).toMatchObject({
      status: 409,
      body: { code: 'device_offline' },
    });
  });
});

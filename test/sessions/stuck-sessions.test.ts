import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { createSession } from './create-session';
import { EMPTY_DEVICE_STATUS } from '../../src/domain/sessions';
import { eventually, identifiedHeadset, tabletClient, type TestClient } from '../helpers/clients';
import { randomFile, UploadClient } from '../uploads/upload-client';
import { StoreUnavailableError } from '../../src/domain/errors';

/**
 * Sessions whose tablet's end, or whose headsets' stop, was lost (a restart, a cut connection)
 * are resolved by the server, announcing why (issue 37: the soak left sessions recording and
 * its tablets were refused "already has an active session").
 */
const redis = useTestRedis();

describe.each(STORE_KINDS)('stuck sessions on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { LOCK_GRACE_MS: '30000' });

  async function lab(server: CaptureServer, headsetIds: string[]) {
    const headsets = new Map<string, TestClient>();
    for (const id of headsetIds) headsets.set(id, await identifiedHeadset(server, id));
    const tablet = await tabletClient(server, 'TABLET_A');
    await tablet.ask('tablet-lock-devices', headsetIds);
    return { tablet, headsets };
  }

  it('a tablet back on a new connection creating a session ends the one its lost end left recording, saying why', async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1']);
    const h1 = headsets.get('H1')!;
    const stuck = await createSession(tablet, { deviceIds: ['H1'] });
    await tablet.ask('tablet-start-session', stuck);
    await h1.next('on-tablet-start-recording');
    await h1.ask('headset-recording-state', true);
    // The tablet's connection goes (its end-session never arrives); it comes back on a new one.
    tablet.close();
    const again = await tabletClient(server, 'TABLET_A');
    const created = await again.ask('tablet-create-session', { deviceIds: ['H1'] });
    expect(created).toMatchObject({ ok: true, deviceIds: ['H1'] });

    const old = await server.store.sessions.get(stuck);
    expect(old).toMatchObject({ status: 'completed', endReason: 'superseded' });
    const [ended] = await again.next('on-session-ended', (e) => e.sessionId === stuck);
    expect(ended.reason).toBe('superseded');
    // Its headset, still recording, is told to stop before it joins the new session.
    await h1.next('on-tablet-stop-recording');
    expect((await again.ask('tablet-get-active-session')).session).toMatchObject({ sessionId: created.sessionId });
  });

  it('still refuses a second session from the connection that created the first, or while that one is connected', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const first = await createSession(tablet, { deviceIds: ['H1'] });
    expect(await tablet.ask('tablet-create-session', { deviceIds: ['H1'] })).toMatchObject({ ok: false, code: 'conflict' });
    // A second connection of the same tablet while the first is still there: a real double create.
    const second = await tabletClient(server, 'TABLET_A');
    expect(await second.ask('tablet-create-session', { deviceIds: ['H1'] })).toMatchObject({ ok: false, code: 'conflict' });
    expect((await server.store.sessions.get(first))!.status).toBe('pending');
  });

  it('an end of a paused session stops a headset whose pause-stop was lost (it still records)', async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1', 'H2']);
    const sessionId = await createSession(tablet, { deviceIds: ['H1', 'H2'] });
    await tablet.ask('tablet-start-session', sessionId);
    for (const h of headsets.values()) await h.ask('headset-recording-state', true);
    await tablet.ask('tablet-pause-session', sessionId);
    // H2 stopped; H1 missed its stop and goes on recording.
    await headsets.get('H2')!.ask('headset-recording-state', false);
    await headsets.get('H1')!.ask('headset-recording-state', true);
    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      if (!s?.deviceStatuses.H1?.isRecording || s.deviceStatuses.H2?.isRecording) throw new Error('statuses not in yet');
    });
    const stopsBefore = headsets.get('H1')!.count('on-tablet-stop-recording');
    const ended = await tablet.ask('tablet-end-session', sessionId);
    expect(ended).toMatchObject({ ok: true, sent: ['H1'] });
    await eventually(() => {
      if (headsets.get('H1')!.count('on-tablet-stop-recording') <= stopsBefore) throw new Error('no stop yet');
    });
  });

  it('the cleanup ends a session a create left without its tablet (saved, never claimed) once a minute old, not a claimed one', async () => {
    const server = await start({ SESSION_CLEANUP_INTERVAL_MS: '200' });
    const { tablet } = await lab(server, ['H1', 'H2']);
    const old = new Date(Date.now() - 120_000);
    const record = (sessionId: string, deviceId: string) => ({
      sessionId,
      tabletId: 'TABLET_A',
      deviceIds: [deviceId],
      status: 'pending' as const,
      createdAt: old,
      deviceStatuses: { [deviceId]: { ...EMPTY_DEVICE_STATUS } },
    });
    // What a create that died between saving and claiming leaves, and a claimed session as old.
    await server.store.sessions.save(record('session_orphan', 'H1'));
    await server.store.sessions.save(record('session_claimed', 'H2'));
    expect((await server.store.sessions.claimActive('TABLET_A', 'session_claimed')).outcome).not.toBe('held');

    const [ended] = await tablet.next('on-session-ended', (e) => e.sessionId === 'session_orphan');
    expect(ended.reason).toBe('orphaned');
    expect(await server.store.sessions.get('session_orphan')).toMatchObject({ status: 'completed', endReason: 'orphaned' });
    expect((await server.store.sessions.get('session_claimed'))!.status).toBe('pending');
  });

  it("answers a retried start (its first attempt went through) ok and sends the headsets' start again", async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1']);
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });
    expect(await tablet.ask('tablet-start-session', sessionId)).toMatchObject({ ok: true, sent: ['H1'] });
    const again = await tablet.ask('tablet-start-session', sessionId);
    expect(again).toMatchObject({ ok: true, sent: ['H1'] });
    await eventually(() => {
      if (headsets.get('H1')!.count('on-tablet-start-recording') < 2) throw new Error('one start so far');
    });
    expect(await tablet.ask('tablet-pause-session', sessionId)).toMatchObject({ ok: true });
    expect(await tablet.ask('tablet-pause-session', sessionId)).toMatchObject({ ok: true, sent: ['H1'] });
  });

  it("shows an upload's end in its session although the store failed that write (tried again)", async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });
    const uploader = new UploadClient(server, server.tokens.sign('H1', 'headset'));
    const file = randomFile(256 * 1024);
    const started = await uploader.start(file.length, { sessionId });
    const parts = await uploader.putAll(started, file);
    // The store is away for the session's write of the upload's end (a Redis restart).
    const sessions = server.store.sessions;
    const update = sessions.updateDeviceStatus.bind(sessions);
    let failed = 0;
    sessions.updateDeviceStatus = async (...args: Parameters<typeof update>) => {
      if (args[2].uploadStatus === 'completed' && failed++ === 0) throw new StoreUnavailableError(new Error('connection lost'));
      return update(...args);
    };
    expect((await uploader.complete(started, parts)).status).toBe(200);
    expect(failed).toBeGreaterThan(0);
    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      if (s?.deviceStatuses.H1?.uploadStatus !== 'completed') throw new Error(`still ${s?.deviceStatuses.H1?.uploadStatus}`);
    });
  });
});

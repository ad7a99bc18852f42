import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { createSession } from './create-session';
import { connectClient, eventually, identifiedHeadset, sleep, tabletClient, type TestClient } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { randomFile, UploadClient } from '../uploads/upload-client';

const redis = useTestRedis();

describe.each(STORE_KINDS)('capture sessions on the %s store', (kind) => {
  const start = serverFactory(kind, redis);

  /** A tablet holding the given headsets, all connected and identified. */
  async function lab(server: CaptureServer, headsetIds: string[], tabletId = 'TABLET_A') {
    const headsets = new Map<string, TestClient>();
    for (const id of headsetIds) headsets.set(id, await identifiedHeadset(server, id));
    const tablet = await tabletClient(server, tabletId);
    await tablet.ask('tablet-lock-devices', headsetIds);
    return { tablet, headsets };
  }

  it('shows a recording headset that goes offline as no longer recording in its session', async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1', 'H2']);
    const sessionId = await createSession(tablet, { deviceIds: ['H1', 'H2'] });
    await tablet.ask('tablet-start-session', sessionId);
    for (const h of headsets.values()) await h.ask('headset-recording-state', true);
    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      expect(Object.values(s!.deviceStatuses).map((d) => d.isRecording)).toEqual([true, true]);
    });

    headsets.get('H1')!.close();

    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      expect(s!.deviceStatuses.H1!.isRecording).toBe(false);
      expect(s!.deviceStatuses.H2!.isRecording).toBe(true);
    });
    expect((await server.store.devices.get('H1'))!.isRecording).toBe(false);
  });

  it('runs a whole multi-headset session as the spec’s sequence shows', async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1', 'H2']);
    const dashboard = await connectClient(server, { deviceId: 'DASH', deviceType: 'dashboard' });
    await dashboard.ask('dashboard-subscribe');

    const created = await tablet.ask('tablet-create-session', {
      deviceIds: ['H1', 'H2'],
      metadata: { participant: 'P7', study: 'kitchen' },
    });
    expect(created).toMatchObject({ ok: true, deviceIds: ['H1', 'H2'] });
    const sessionId = created.sessionId as string;
    expect(sessionId).toMatch(/^session_\d{13}_[a-zA-Z0-9_-]{1,8}$/);
    expect(sessionId.endsWith(tablet.socket.id!.replace(/[^a-zA-Z0-9_-]/g, '').slice(0, 8))).toBe(true);
    await tablet.next('on-session-created');
    await headsets.get('H1')!.next('on-session-created');
    await dashboard.next('on-session-created');

    const started = await tablet.ask('tablet-start-session', sessionId);
    expect(started).toMatchObject({ ok: true, sessionId, sent: ['H1', 'H2'], denied: [] });
    await tablet.next('on-session-started', (p) => p.sessionId === sessionId);
    for (const h of headsets.values()) {
      await h.next('on-tablet-start-recording');
      await h.ask('headset-recording-state', true);
    }
    await headsets.get('H1')!.ask('device-telemetry', telemetry('H1', { frameCount: 900, isRecording: true }));
    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      // Its start, and the batch of the session's start (a synchronized start's spread is over a batch), beside the spec's fields.
      const { startedAt, startBatchId, ...spec } = s!.deviceStatuses.H1!;
      expect(spec).toEqual({ isRecording: true, frameCount: 900, uploadProgress: 0, uploadStatus: 'pending' });
      expect([typeof startedAt, typeof startBatchId]).toEqual(['number', 'string']);
      expect(s!.deviceStatuses.H2!.isRecording).toBe(true);
    });

    expect(await tablet.ask('tablet-pause-session', sessionId)).toMatchObject({ ok: true, sent: ['H1', 'H2'] });
    await tablet.next('on-session-paused');
    for (const h of headsets.values()) {
      await h.next('on-tablet-stop-recording');
      await h.ask('headset-recording-state', false);
    }
    expect(await tablet.ask('tablet-start-session', sessionId)).toMatchObject({ ok: true });
    const firstStart = (await server.store.sessions.get(sessionId))!.startedAt!;
    expect(started.startedAt).toBe(firstStart.toISOString());
    for (const h of headsets.values()) {
      await h.next('on-tablet-start-recording');
      await h.ask('headset-recording-state', true);
    }
    await eventually(async () => {
      const s = await server.store.sessions.get(sessionId);
      expect(Object.values(s!.deviceStatuses).map((d) => d.isRecording)).toEqual([true, true]);
    });

    await sleep(50);
    const ended = await tablet.ask('tablet-end-session', sessionId);
    expect(ended).toMatchObject({ ok: true, sessionId, sent: ['H1', 'H2'] });
    expect(ended.duration as number).toBeGreaterThan(0);
    const [endedEvent] = await tablet.next('on-session-ended');
    expect(endedEvent).toMatchObject({ sessionId, duration: ended.duration });
    await dashboard.next('on-session-ended');
    const stored = await server.store.sessions.get(sessionId);
    expect(stored).toMatchObject({ status: 'completed', metadata: { participant: 'P7', study: 'kitchen' } });
    expect(stored!.endedAt!.toISOString()).toBe(ended.endedAt);
    expect((await server.store.devices.get('H1'))!.activeSessionId).toBeUndefined();
    // Ended while recording: the late stop confirmations leave no device recording in it.
    for (const h of headsets.values()) await h.ask('headset-recording-state', false);
    const closed = await server.store.sessions.get(sessionId);
    expect(Object.values(closed!.deviceStatuses).map((d) => d.isRecording)).toEqual([false, false]);

    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_sessions_created_total 1/);
    expect(metrics).toMatch(/turing_session_duration_seconds_count 1/);
    expect(metrics).toMatch(/turing_sessions_active_total 0/);
  });

  it('refuses a session past the tablet’s SESSIONS_PER_TABLET quota, and counts active sessions without a walk', async () => {
    const server = await start({ SESSIONS_PER_TABLET: '2' });
    const { tablet } = await lab(server, ['H1']);
    for (let i = 0; i < 2; i++) {
      const id = await createSession(tablet, { deviceIds: ['H1'], metadata: { take: i } });
      expect(await server.services.sessions.countActive()).toBe(1);
      expect(await tablet.ask('tablet-end-session', id)).toMatchObject({ ok: true });
      expect(await server.services.sessions.countActive()).toBe(0);
    }
    const refused = await tablet.ask('tablet-create-session', { deviceIds: ['H1'] });
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/already has 2 sessions stored/) });
    expect(await server.store.sessions.countForTablet('TABLET_A')).toBe(2);
    // Another tablet has its own quota.
    const other = await lab(server, ['H2'], 'TABLET_B');
    await createSession(other.tablet, { deviceIds: ['H2'] });
    expect(await server.services.sessions.countActive()).toBe(1);
  });

  it('admits only held, online devices and reports the rest as unavailable', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    await identifiedHeadset(server, 'H2'); // online, not held
    const other = await tabletClient(server, 'TABLET_B');
    await identifiedHeadset(server, 'H3');
    await other.ask('tablet-lock-device', 'H3'); // held by another tablet
    const created = await tablet.ask('tablet-create-session', { deviceIds: ['H1', 'H2', 'H3', 'NEVER'] });
    expect(created).toMatchObject({ ok: true, deviceIds: ['H1'], unavailable: ['H2', 'H3', 'NEVER'] });
    const [event] = await tablet.next('on-session-created');
    expect(event.unavailable).toEqual(['H2', 'H3', 'NEVER']);
  });

  it('refuses a session with no available device, changing nothing', async () => {
    const server = await start();
    const tablet = await tabletClient(server, 'TABLET_A');
    await identifiedHeadset(server, 'H1');
    const answer = await tablet.ask('tablet-create-session', { deviceIds: ['H1'] });
    expect(answer).toEqual({ ok: false, code: 'conflict', error: 'none of the requested devices is locked by this tablet and online' });
    expect(await tablet.next('on-session-error')).toEqual([{ error: answer.error, unavailable: ['H1'] }]);
    expect((await server.store.sessions.list({ limit: 10 })).sessions).toEqual([]);
  });

  it('allows one active session per tablet', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const first = await tablet.ask('tablet-create-session', { deviceIds: ['H1'] });
    const second = await tablet.ask('tablet-create-session', { deviceIds: ['H1'] });
    expect(second).toEqual({
      ok: false,
      code: 'conflict',
      error: `this tablet already has an active session (${String(first.sessionId)}); end it first`,
    });
    await tablet.ask('tablet-end-session', first.sessionId);
    expect(await tablet.ask('tablet-create-session', { deviceIds: ['H1'] })).toMatchObject({ ok: true });
  });

  it('gives two concurrent creates of one tablet (two connections) exactly one session', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const second = await tabletClient(server, 'TABLET_A');
    const answers = await Promise.all([tablet, second, tablet, second].map((t) => t.ask('tablet-create-session', { deviceIds: ['H1'] })));
    const created = answers.filter((a) => a.ok);
    expect(created).toHaveLength(1);
    const refusal = `this tablet already has an active session (${String(created[0]!.sessionId)}); end it first`;
    expect(answers.filter((a) => !a.ok)).toEqual(Array(3).fill({ ok: false, code: 'conflict', error: refusal }));
    const { sessions } = await server.store.sessions.list({ tabletId: 'TABLET_A', limit: 10 });
    expect(sessions.map((s) => s.sessionId)).toEqual([created[0]!.sessionId]);
    expect((await server.store.devices.get('H1'))!.activeSessionId).toBe(created[0]!.sessionId);
  });

  it('refuses invalid transitions, unknown and foreign sessions with on-session-error, changing nothing', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const intruder = await tabletClient(server, 'TABLET_B');
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });

    expect(await tablet.ask('tablet-pause-session', sessionId)).toEqual({
      ok: false,
      code: 'conflict',
      error: `cannot pause session ${sessionId}: it is pending`,
    });
    expect(await tablet.next('on-session-error')).toEqual([{ error: `cannot pause session ${sessionId}: it is pending`, sessionId }]);
    expect(await tablet.ask('tablet-start-session', 'session_0_nope')).toEqual({
      ok: false,
      code: 'not_found',
      error: 'session session_0_nope not found',
    });
    for (const event of ['tablet-start-session', 'tablet-pause-session', 'tablet-end-session', 'tablet-get-session'] as const) {
      expect(await intruder.ask(event, sessionId)).toEqual({
        ok: false,
        code: 'forbidden',
        error: `session ${sessionId} belongs to another tablet`,
      });
    }
    expect(await tablet.ask('tablet-start-session', '../../etc/passwd')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid session ID/),
    });
    await tablet.ask('tablet-end-session', sessionId);
    expect(await tablet.ask('tablet-start-session', sessionId)).toEqual({
      ok: false,
      code: 'conflict',
      error: `cannot start session ${sessionId}: it is completed`,
    });
    expect(await tablet.ask('tablet-end-session', sessionId)).toEqual({
      ok: false,
      code: 'conflict',
      error: `cannot end session ${sessionId}: it is completed`,
    });
    expect((await server.store.sessions.get(sessionId))!.status).toBe('completed');
    // A malformed request is refused in its ack (and on-event-rejected) only, as docs/API.md says: not as on-session-error.
    const sessionErrors = tablet.received.filter((r) => r.event === 'on-session-error').map((r) => (r.args[0] as { error: string }).error);
    expect(sessionErrors).toContain(`cannot end session ${sessionId}: it is completed`);
    expect(sessionErrors.filter((e) => /invalid/.test(e))).toEqual([]);
  });

  it.each([
    ['no device IDs', { deviceIds: [] }],
    ['51 device IDs', { deviceIds: Array.from({ length: 51 }, (_, i) => `H${i}`) }],
    ['a malformed device ID', { deviceIds: ['../x'] }],
    ['metadata over 100 KB', { deviceIds: ['H1'], metadata: { notes: 'x'.repeat(100 * 1024) } }],
    ['a __proto__ key in metadata', { deviceIds: ['H1'], metadata: JSON.parse('{"a":{"__proto__":{"polluted":1}}}') }],
    ['metadata that is not an object', { deviceIds: ['H1'], metadata: 'participant 7' }],
    ['an unknown field', { deviceIds: ['H1'], admin: true }],
  ])('refuses tablet-create-session with %s', async (_name, request) => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const answer = await tablet.ask('tablet-create-session', request);
    expect(answer.ok).toBe(false);
    expect((await server.store.sessions.list({ limit: 10 })).sessions).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers session status and the active session, with offline devices when a headset drops', async () => {
    const server = await start();
    const { tablet, headsets } = await lab(server, ['H1', 'H2']);
    expect(await tablet.ask('tablet-get-active-session')).toEqual({ ok: true, session: null });
    expect(await tablet.next('on-active-session')).toEqual([null]);
    const sessionId = await createSession(tablet, { deviceIds: ['H1', 'H2'] });
    await tablet.ask('tablet-start-session', sessionId);
    headsets.get('H2')!.close();
    await tablet.next('on-device-disconnected');

    const status = await tablet.ask('tablet-get-session', sessionId);
    expect(status.session).toMatchObject({ sessionId, status: 'recording', deviceIds: ['H1', 'H2'], offlineDevices: ['H2'] });
    const [event] = await tablet.next('on-session-status');
    expect(event).toMatchObject({ sessionId, status: 'recording' });
    const active = await tablet.ask('tablet-get-active-session');
    expect(active.session).toMatchObject({ sessionId, status: 'recording' });
    // The session goes on: it can still be paused and ended.
    expect(await tablet.ask('tablet-pause-session', sessionId)).toMatchObject({ ok: true, sent: ['H1'], denied: [{ deviceId: 'H2' }] });
    expect(await tablet.ask('tablet-end-session', sessionId)).toMatchObject({ ok: true });
  });

  it('ends sessions left unfinished past the expiry and tells their tablet', async () => {
    const server = await start({ SESSION_EXPIRY_MS: '200', SESSION_CLEANUP_INTERVAL_MS: '100' });
    const { tablet } = await lab(server, ['H1']);
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });
    const [ended] = await tablet.next('on-session-ended', (p) => p.sessionId === sessionId, 5_000);
    expect(ended).toMatchObject({ sessionId, reason: 'expired' });
    expect(await server.store.sessions.get(sessionId)).toMatchObject({ status: 'completed', endReason: 'expired' });
    // Sessions ended by expiry are in the duration histogram like those a tablet ends.
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_session_duration_seconds_count 1\n/);
    expect(await tablet.ask('tablet-create-session', { deviceIds: ['H1'] })).toMatchObject({ ok: true });
  });

  it('lists sessions over REST, newest first, with filters and paging', async () => {
    const server = await start();
    const { tablet } = await lab(server, ['H1']);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sessionId = await createSession(tablet, { deviceIds: ['H1'], metadata: { take: i } });
      ids.push(sessionId);
      if (i < 2) await tablet.ask('tablet-end-session', sessionId);
      await sleep(5);
    }
    const get = async (path: string) => {
      const res = await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
      // The fields these tests read.
      return {
        status: res.status,
        body: (await res.json()) as {
          count: number;
          sessions: Array<{ sessionId: string }>;
          nextCursor?: string;
          session?: unknown;
          error?: unknown;
        },
      };
    };
    const all = await get('/api/sessions');
    expect(all.body.sessions.map((s) => s.sessionId)).toEqual([...ids].reverse());
    const page1 = await get('/api/sessions?limit=2');
    expect(page1.body.count).toBe(2);
    const page2 = await get(`/api/sessions?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.sessions.map((s) => s.sessionId)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeUndefined();
    expect((await get('/api/sessions?status=completed')).body.count).toBe(2);
    expect((await get('/api/sessions?status=pending&tabletId=TABLET_A')).body.sessions[0]?.sessionId).toBe(ids[2]);
    expect((await get('/api/sessions?tabletId=TABLET_Z')).body.count).toBe(0);
    const one = await get(`/api/sessions/${ids[0]}`);
    expect(one.body.session).toMatchObject({ sessionId: ids[0], status: 'completed', metadata: { take: 0 } });

    expect((await get('/api/sessions/session_0_missing')).status).toBe(404);
    for (const bad of ['?status=bogus', '?limit=0', '?limit=abc', '?tabletId=../x', '?extra=1']) {
      const res = await get(`/api/sessions${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^invalid query/);
    }
    const badCursor = await get('/api/sessions?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error).toBe('cursor is not one this API gave out');
    expect(badCursor.body).toMatchObject({ code: 'invalid_cursor' });
    expect((await fetch(`${server.url()}/api/sessions`)).status).toBe(401);
  });
});

describe('session upload progress', () => {
  const start = serverFactory('memory', redis);

  it('tells the tablet as a session headset uploads its recording', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const tablet = await tabletClient(server, 'TABLET_A');
    await tablet.ask('tablet-lock-device', 'H1');
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });
    await tablet.ask('tablet-end-session', sessionId);

    const uploader = new UploadClient(server, server.tokens.sign('H1', 'headset'));
    const file = randomFile(1000);
    const started = await uploader.start(file.length, { sessionId });
    const [uploading] = await tablet.next('on-session-upload-updated');
    expect(uploading).toMatchObject({ sessionId, status: 'uploading', deviceStatuses: { H1: { uploadStatus: 'uploading' } } });
    expect((await uploader.complete(started, await uploader.putAll(started, file))).status).toBe(200);
    const [done] = await tablet.next('on-session-upload-updated', (s) => s.deviceStatuses.H1?.uploadStatus === 'completed');
    expect(done).toMatchObject({ status: 'completed', deviceStatuses: { H1: { uploadProgress: 100 } } });
    h.close();
  });
});

import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/protocol';
import { connectClient, identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { uploadFixtures } from './fixture-upload';

/**
 * The session's per-device status carries each headset's recording verdict
 * (issue 18, "The session's per-device status reflects it"): written by the
 * recordings feature when the integrity gate concludes, visible in the session
 * REST answer and in the on-session-upload-updated event tablets and
 * dashboards get.
 */
const redis = useTestRedis();

describe.each(STORE_KINDS)("a session's per-device verdicts (%s store)", (kind) => {
  const make = serverFactory(kind, redis);

  it('shows verified for one headset and rejected for the other, through REST and the session event', async () => {
    const server = await make();
    const headsets = [await identifiedHeadset(server, 'H1'), await identifiedHeadset(server, 'H2')];
    const tablet = await tabletClient(server, 'T1');
    const dashboard = await connectClient(server, { deviceId: 'DASH', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    expect((await tablet.ask('tablet-lock-devices', ['H1', 'H2'])).ok).toBe(true);
    const created = await tablet.ask('tablet-create-session', { deviceIds: ['H1', 'H2'] });
    const sessionId = created.sessionId as string;
    expect((await tablet.ask('tablet-start-session', sessionId)).ok).toBe(true);
    for (const h of headsets) expect((await h.ask('headset-recording-state', true)).ok).toBe(true);
    for (const h of headsets) expect((await h.ask('headset-recording-state', false)).ok).toBe(true);
    expect((await tablet.ask('tablet-end-session', sessionId)).ok).toBe(true);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    await uploadFixtures(server, { deviceId: 'H1', timestamp: stamp, sessionId, video: 'good.mp4', data: 'good.npz' });
    await uploadFixtures(server, { deviceId: 'H2', timestamp: stamp, sessionId, video: 'short.mp4', data: 'good.npz' });

    // Each verdict is announced as a session update, to the tablet and to dashboards.
    type Statuses = SessionView['deviceStatuses'];
    const hasVerdict = (id: string, verdict: 'pass' | 'fail') => (s: { sessionId: string; deviceStatuses: Statuses }) =>
      s.sessionId === sessionId && s.deviceStatuses[id]?.verdict === verdict;
    for (const client of [tablet, dashboard]) {
      const [passed] = await client.next('on-session-upload-updated', hasVerdict('H1', 'pass'), 15_000);
      expect(passed.deviceStatuses.H1).toMatchObject({ recordingId: `${stamp}_H1`, verdict: 'pass' });
      const [failed] = await client.next('on-session-upload-updated', hasVerdict('H2', 'fail'), 15_000);
      expect(failed.deviceStatuses.H2).toMatchObject({ recordingId: `${stamp}_H2`, verdict: 'fail' });
    }

    const res = await fetch(`${server.url()}/api/sessions/${sessionId}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
    expect(res.status).toBe(200);
    const { session } = (await res.json()) as { session: SessionView };
    expect(session.deviceStatuses).toMatchObject({
      H1: { recordingId: `${stamp}_H1`, verdict: 'pass', uploadStatus: 'completed' },
      H2: { recordingId: `${stamp}_H2`, verdict: 'fail', uploadStatus: 'completed' },
    });
    // The records behind them: verified and rejected, with the reason.
    expect((await server.store.recordings.get(`${stamp}_H1`))?.state).toBe('verified');
    const rejected = await server.store.recordings.get(`${stamp}_H2`);
    expect(rejected).toMatchObject({ state: 'rejected', sessionId });
    expect(rejected!.verification!.reasons).toContain('video has 60 frames, tracking data 90');
  });

  it('a pause and resume in the session is one recording: nothing left for the sweep to call incomplete', async () => {
    const server = await make({ RECORDING_UPLOAD_DEADLINE: '1s' });
    const headset = await identifiedHeadset(server, 'H1');
    const tablet = await tabletClient(server, 'T1');
    expect((await tablet.ask('tablet-lock-device', 'H1')).ok).toBe(true);
    const sessionId = (await tablet.ask('tablet-create-session', { deviceIds: ['H1'] })).sessionId as string;
    expect((await tablet.ask('tablet-start-session', sessionId)).ok).toBe(true);
    expect((await headset.ask('headset-recording-state', true)).ok).toBe(true);
    const [first] = (await server.store.recordings.list({ deviceId: 'H1', limit: 5 })).recordings;
    expect((await headset.ask('headset-recording-state', false)).ok).toBe(true);
    // Resumed in a later second: a new record would get another name.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await headset.ask('headset-recording-state', true)).ok).toBe(true);
    expect((await headset.ask('headset-recording-state', false)).ok).toBe(true);
    const records = await Promise.all(
      (await server.store.recordings.list({ deviceId: 'H1', limit: 5 })).recordings.map(
        async (r) => (await server.store.recordings.get(r.recordingId))!,
      ),
    );
    expect(records.map((r) => r.recordingId)).toEqual([first!.recordingId]);
    expect(records[0]!.history.map((h) => h.change)).toEqual([
      'recording started',
      'recording stopped',
      'recording resumed',
      'recording stopped',
    ]);

    const stamp = first!.recordingId.slice(0, 15);
    await uploadFixtures(server, { deviceId: 'H1', timestamp: stamp, sessionId, video: 'good.mp4', data: 'good.npz' });
    await tablet.next('on-recording-verdict', (v) => v.recordingId === `${stamp}_H1` && v.verdict === 'pass', 15_000);
    // Past the upload deadline, the sweep finds nothing to call incomplete, and the session keeps the pass.
    await new Promise((r) => setTimeout(r, 1_100));
    await server.services.recordings.sweep();
    const after = (await server.store.recordings.list({ deviceId: 'H1', limit: 5 })).recordings;
    expect(after.map((r) => [r.recordingId, r.state])).toEqual([[`${stamp}_H1`, 'verified']]);
    expect((await server.store.sessions.get(sessionId))?.deviceStatuses.H1).toMatchObject({ recordingId: `${stamp}_H1`, verdict: 'pass' });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { SessionView } from '../../src/protocol';
import { connectClient, identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * The session's per-device status carries each headset's recording verdict
 * (issue 18, "The session's per-device status reflects it"): written by the
 * recordings feature when the integrity gate concludes, visible in the session
 * REST answer and in the on-session-upload-updated event tablets and
 * dashboards get.
 */
const redis = useTestRedis();
const FIXTURES = path.join(__dirname, 'fixtures');

async function upload(server: CaptureServer, deviceId: string, timestamp: string, sessionId: string, video: string) {
  const body = new FormData();
  body.append('timestamp', timestamp);
  body.append('sessionId', sessionId);
  body.append('video', new Blob([readFileSync(path.join(FIXTURES, video))]), 'recording.mp4');
  body.append('data', new Blob([readFileSync(path.join(FIXTURES, 'good.npz'))]), 'session_data.npz');
  const res = await fetch(`${server.url()}/upload-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.sign(deviceId, 'headset')}` },
    body,
  });
  expect(res.status).toBe(200);
}

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
    await upload(server, 'H1', stamp, sessionId, 'good.mp4');
    await upload(server, 'H2', stamp, sessionId, 'short.mp4');

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
});

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { RecordingView } from '../../src/recordings/schemas';
import { identifiedHeadset, eventually, tabletClient } from '../helpers/clients';
import { serverFactory, startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { uploadFixtures } from './fixture-upload';

/**
 * Issue 18 end to end: a headset records and uploads real files; the tablet
 * that holds it hears the verdict; operators curate and export; a process
 * that stops mid-verification leaves the work to the next one.
 */
const redis = useTestRedis();
const ADMIN = (server: CaptureServer) => ({ 'x-api-key': server.config.auth.adminApiKey });

const api = async (server: CaptureServer, route: string, init: RequestInit = {}) => {
  const res = await fetch(`${server.url()}${route}`, {
    ...init,
    headers: { ...ADMIN(server), ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const text = await res.text();
  let body: { recording?: RecordingView; recordings?: RecordingView[] } = {};
  if (res.headers.get('content-type')?.startsWith('application/json')) body = JSON.parse(text) as typeof body;
  return { status: res.status, text, body };
};

describe.each(STORE_KINDS)('recordings (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('tells the holding tablet the verdict of a good and a bad recording, with reasons; the record and its manifest follow', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-rec-'));
    const server = await make({ DATA_DIR: dataDir });
    const tablet = await tabletClient(server, 'T1');
    const headsets = [await identifiedHeadset(server, 'H1'), await identifiedHeadset(server, 'H2')];
    for (const id of ['H1', 'H2']) expect((await tablet.ask('tablet-lock-device', id)).ok).toBe(true);
    for (const h of headsets) expect((await h.ask('headset-recording-state', true)).ok).toBe(true);
    for (const h of headsets) expect((await h.ask('headset-recording-state', false)).ok).toBe(true);
    // The headsets name their folders by their own clocks: a few seconds off the server's.
    const stamp = new Date(Date.now() + 3_000).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    const [idH1, idH2] = [`${stamp}_H1`, `${stamp}_H2`];
    await uploadFixtures(server, { deviceId: 'H1', timestamp: stamp, video: 'good.mp4', data: 'good.npz' });
    await uploadFixtures(server, { deviceId: 'H2', timestamp: stamp, video: 'short.mp4', data: 'good.npz' });

    const [good] = await tablet.next('on-recording-verdict', (v) => v.recordingId === idH1, 15_000);
    expect(good).toMatchObject({ deviceId: 'H1', verdict: 'pass', reasons: [] });
    expect(good.files.video).toMatchObject({ key: `sessions/${idH1}/recording.mp4`, state: 'complete' });
    const [bad] = await tablet.next('on-recording-verdict', (v) => v.recordingId === idH2, 15_000);
    expect(bad).toMatchObject({ deviceId: 'H2', verdict: 'fail' });
    expect(bad.reasons).toContain('video has 60 frames, tracking data 90');
    // The headset hears its own verdict too.
    await headsets[1]!.next('on-recording-verdict', (v) => v.recordingId === idH2);

    const one = await api(server, `/api/recordings/${idH1}`);
    expect(one.body.recording).toMatchObject({ state: 'verified', tabletId: 'T1', verdict: 'pass', appVersion: '2.3.1' });
    expect(one.body.recording!.startedAt).toBeDefined();
    expect(one.body.recording!.files.video?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const manifest = JSON.parse(readFileSync(path.join(dataDir, `sessions/${idH1}/manifest.json`), 'utf8')) as unknown;
    expect(manifest).toMatchObject({ manifestVersion: 1, recordingId: idH1, verdict: 'pass' });
    expect(existsSync(path.join(dataDir, `sessions/${idH2}/manifest.json`))).toBe(false);
    // The provisional records opened at recording start were taken over by the folders.
    const all = await api(server, '/api/recordings');
    expect(all.body.recordings!.map((r) => r.recordingId).sort()).toEqual([idH1, idH2]);
    expect((await api(server, '/api/recordings?verdict=fail')).body.recordings).toHaveLength(1);
  });

  it('curates with history, soft discard and undo, filters by decision and tag, and exports JSON lines and CSV', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-rec-'));
    const server = await make({ DATA_DIR: dataDir });
    await uploadFixtures(server, { deviceId: 'H1', timestamp: '20260206_150000', video: 'good.mp4', data: 'good.npz' });
    await uploadFixtures(server, { deviceId: 'H2', timestamp: '20260206_150001', video: 'good.mp4', data: 'hands_out.npz' });
    await eventually(async () => expect((await api(server, '/api/recordings?state=rejected')).body.recordings).toHaveLength(1), 15_000);
    await eventually(async () => expect((await api(server, '/api/recordings?state=verified')).body.recordings).toHaveLength(1), 15_000);

    // A tablet curates takes it has a part in: T9 holds H2 (issue 37, item 8).
    await identifiedHeadset(server, 'H2');
    const tablet = await tabletClient(server, 'T9');
    expect((await tablet.ask('tablet-lock-device', 'H2')).ok).toBe(true);
    const reviewed = await tablet.ask('tablet-review-recording', {
      recordingId: '20260206_150001_H2',
      decision: 'discard',
      tags: { take: '2' },
    });
    expect(reviewed).toMatchObject({ ok: true, recording: { decision: 'discard', tags: { take: '2' } } });
    const patched = await api(server, '/api/recordings/20260206_150000_H1', {
      method: 'PATCH',
      body: JSON.stringify({ decision: 'keep', outcome: 'success', tags: { site: 'lab a' }, note: 'clean' }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.recording!.history!.at(-1)).toMatchObject({ actor: { kind: 'admin', id: 'admin' }, change: 'kept' });
    const undone = await api(server, '/api/recordings/20260206_150001_H2', { method: 'PATCH', body: JSON.stringify({ decision: 'keep' }) });
    expect(undone.body.recording!.discardedAt).toBeUndefined();
    expect(undone.body.recording!.history!.map((h) => `${h.change} ${h.actor.id}`)).toEqual(
      expect.arrayContaining(['discarded T9', 'kept admin']),
    );
    expect((await api(server, '/api/recordings/20260206_150000_H1', { method: 'PATCH', body: '{"decision":"maybe"}' })).status).toBe(400);
    expect((await api(server, '/api/recordings/..%2Fetc')).status).toBe(400);
    expect((await api(server, '/api/recordings?tag=site:lab%20a')).body.recordings!.map((r) => r.recordingId)).toEqual([
      '20260206_150000_H1',
    ]);

    const jsonl = await api(server, '/api/recordings/export?format=jsonl');
    const rows = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.recordingId, r.verdict, r.decision])).toEqual([
      ['20260206_150001_H2', 'fail', 'keep'],
      ['20260206_150000_H1', 'pass', 'keep'],
    ]);
    expect(rows[1]).toMatchObject({
      videoFrames: 90,
      trackingFrames: 90,
      tags: 'site=lab a',
      videoSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const csv = await api(server, '/api/recordings/export?format=csv&verdict=fail');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]!.startsWith('recordingId,deviceId,sessionId')).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/both hands out of frame 50 % of the time/);
  });

  it("deletes a discarded recording's files only after DISCARD_RETENTION_DAYS, by the sweep", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-rec-'));
    const server = await make({ DATA_DIR: dataDir, DISCARD_RETENTION_DAYS: '0' });
    await uploadFixtures(server, { deviceId: 'H1', timestamp: '20260206_160000', video: 'good.mp4', data: 'good.npz' });
    await eventually(async () => expect((await server.store.recordings.get('20260206_160000_H1'))?.state).toBe('verified'), 15_000);
    await server.services.recordings.sweep();
    expect(existsSync(path.join(dataDir, 'sessions/20260206_160000_H1/recording.mp4'))).toBe(true);
    await api(server, '/api/recordings/20260206_160000_H1', { method: 'PATCH', body: JSON.stringify({ decision: 'discard' }) });
    expect((await server.services.recordings.sweep()).purged).toBe(1);
    expect(existsSync(path.join(dataDir, 'sessions/20260206_160000_H1/recording.mp4'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'sessions/20260206_160000_H1/manifest.json'))).toBe(false);
    const after = await api(server, '/api/recordings/20260206_160000_H1', { method: 'PATCH', body: JSON.stringify({ decision: 'keep' }) });
    expect(after.status).toBe(409);
  });
});

describe('recordings across a restart', () => {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('resumes a verification a stopped process left half done, and marks a recording whose file never came incomplete', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-rec-'));
    const env = { DATA_DIR: dataDir, REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().uniquePrefix(), RECORDING_UPLOAD_DEADLINE: '1s' };
    const first = await startServer({ env });
    servers.push(first);
    await uploadFixtures(first, { deviceId: 'H1', timestamp: '20260206_170000', video: 'good.mp4', data: 'good.npz' });
    await eventually(async () => expect((await first.store.recordings.get('20260206_170000_H1'))?.state).toBe('verified'), 15_000);
    // As a process killed mid-verification leaves it: verifying, claimed by an owner that is gone (its claim lapsed).
    await first.store.recordings.update('20260206_170000_H1', (c) => ({
      next: { ...c!, state: 'verifying', verification: undefined, verifyClaim: { owner: 'dead-process', until: new Date(Date.now() - 1) } },
      result: undefined,
    }));
    // And one whose video never arrived.
    await first.events.publish('device.recording-changed', { deviceId: 'H3', isRecording: true });
    await first.events.publish('device.recording-changed', { deviceId: 'H3', isRecording: false });
    await first.close();

    const second = await startServer({ env });
    servers.push(second);
    await eventually(async () => expect((await second.store.recordings.get('20260206_170000_H1'))?.state).toBe('verified'), 15_000);
    const resumed = await second.store.recordings.get('20260206_170000_H1');
    expect(resumed!.history.at(-1)).toMatchObject({ change: 'verdict pass', actor: { kind: 'system' } });
    expect(resumed!.verifyClaim).toBeUndefined();
    await eventually(async () => {
      await second.services.recordings.sweep();
      const page = await second.store.recordings.list({ deviceId: 'H3', limit: 5 });
      expect(page.recordings.map((r) => r.state)).toEqual(['incomplete']);
    }, 10_000);
  });
});

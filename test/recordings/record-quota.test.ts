import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { CaptureHttp } from '@capture-backend/client';
import { connectClient, eventually, tokenFor } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { startReceiver } from '../webhooks/receiver';

/**
 * Issue 37, High 2: one headset token starting uploads for fresh timestamps and
 * never finishing them made 4,903 records in 30 s, then 1,400 fail verdicts and
 * 1,400 webhooks. Driven as the attacker did, over HTTP with a headset token.
 */

const redis = useTestRedis();
const SECRET = 'webhook-test-secret-0123456789';
const IN_PROGRESS = 4;
const AWAITING = 7;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** YYYYMMDD_HHMMSS, a fresh one per call: the attacker's timestamps. */
const stamp = (i: number) =>
  `202612${String(1 + Math.floor(i / 3600)).padStart(2, '0')}_${new Date(i * 1000).toISOString().slice(11, 19).replace(/:/g, '')}`;

async function call(server: CaptureServer, token: string, route: string, body: unknown) {
  const { status, body: answer } = await new CaptureHttp({ baseUrl: server.url(), credential: { token } }).send<{
    code?: string;
    uploadId?: string;
    s3Key?: string;
  }>('POST', route, body);
  return { status, ...answer };
}

async function recordsOf(server: CaptureServer, deviceId: string) {
  const res = await fetch(`${server.url()}/api/recordings?deviceId=${deviceId}&limit=500`, {
    headers: { 'x-api-key': server.config.auth.adminApiKey },
  });
  return ((await res.json()) as { recordings: Array<{ recordingId: string; state: string; verdict?: string }> }).recordings;
}

describe.each(STORE_KINDS)('one headset token cannot flood the recording records (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('caps its uploads in progress and its records awaiting files, coalesces their fail verdicts, and removes them after the retention', async () => {
    const hook = await startReceiver(SECRET);
    closers.push(() => hook.close());
    const server = await start({
      UPLOADS_IN_PROGRESS_PER_DEVICE: String(IN_PROGRESS),
      RECORDINGS_AWAITING_FILES_PER_DEVICE: String(AWAITING),
      RECORDING_UPLOAD_DEADLINE: '1s',
      RECORDING_SWEEP_INTERVAL_MS: '1000',
      RECORDING_NOTICE_WINDOW_MS: '2000',
      RECORDING_INCOMPLETE_RETENTION: '8s',
      WEBHOOK_URLS: hook.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_POLL_INTERVAL_MS: '50',
    });
    const dashboard = await connectClient(server, { deviceId: 'DASH_1', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    const attacker = tokenFor(server, 'H1', 'headset');
    const startUpload = (i: number, token = attacker) =>
      call(server, token, '/chunked-upload/start', { timestamp: stamp(i), fileType: 'video', fileSize: 1000 });

    // Starts for fresh timestamps, never finished: only the cap's worth are taken.
    const starts = [];
    for (let i = 0; i < 12; i++) starts.push(await startUpload(i));
    expect(starts.filter((s) => s.status === 200)).toHaveLength(IN_PROGRESS);
    expect(starts.slice(IN_PROGRESS).map((s) => [s.status, s.code])).toEqual(Array(12 - IN_PROGRESS).fill([429, 'quota_exceeded']));

    // Aborting each start frees its upload's place, but not its record's: records stop at their cap.
    for (const s of starts.filter((x) => x.status === 200)) {
      expect((await call(server, attacker, '/chunked-upload/abort', { uploadId: s.uploadId, s3Key: s.s3Key })).status).toBe(200);
    }
    let refused: { status: number; code?: string } | undefined;
    for (let i = 100; i < 120 && !refused; i++) {
      const s = await startUpload(i);
      if (s.status !== 200) refused = s;
      else await call(server, attacker, '/chunked-upload/abort', { uploadId: s.uploadId, s3Key: s.s3Key });
    }
    expect(refused).toMatchObject({ status: 429, code: 'quota_exceeded' });
    await eventually(async () => expect(await recordsOf(server, 'H1')).toHaveLength(AWAITING));
    // Another headset is not affected.
    expect((await startUpload(500, tokenFor(server, 'H2', 'headset'))).status).toBe(200);

    // They all become incomplete, each keeping its fail; the notices are one, then one summary of the rest.
    await eventually(
      async () => expect((await recordsOf(server, 'H1')).map((r) => r.state)).toEqual(Array(AWAITING).fill('incomplete')),
      10_000,
    );
    const rejected = () => hook.received.filter((r) => r.json.type === 'recording.rejected' && r.json.data.deviceId === 'H1');
    await eventually(() => expect(rejected()).toHaveLength(2), 10_000);
    expect(rejected()[0]!.json.data.summary).toBeUndefined();
    const summary = rejected()[1]!.json.data.summary as { count: number; recordingIds: string[] };
    expect(summary.count).toBe(AWAITING - 1);
    const ids = (await recordsOf(server, 'H1')).map((r) => r.recordingId);
    expect([...summary.recordingIds, rejected()[0]!.json.data.recordingId].sort()).toEqual([...ids].sort());
    const verdicts = () =>
      dashboard.received.filter((r) => r.event === 'on-recording-verdict' && (r.args[0] as { deviceId: string }).deviceId === 'H1');
    await eventually(() => expect(verdicts()).toHaveLength(2));
    expect(verdicts()[1]!.args[0]).toMatchObject({ verdict: 'fail', summary: { count: AWAITING - 1 } });

    // After the retention they are gone, and the headset may upload again.
    await eventually(async () => expect(await recordsOf(server, 'H1')).toEqual([]), 15_000);
    expect((await startUpload(1000)).status).toBe(200);
    // Nothing more was announced for them.
    expect(rejected()).toHaveLength(2);
  }, 60_000);
});

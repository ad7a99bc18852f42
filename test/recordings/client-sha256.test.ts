import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { RecordingView } from '../../src/recordings/schemas';
import { eventually } from '../helpers/clients';
import { sha256, startUploadServer, type UploadClient } from '../uploads/upload-client';

/**
 * The `sha256` a headset may send in POST /chunked-upload/start, end to end:
 * over real HTTP and the local driver, to the integrity gate's verdict. The
 * right checksum verifies; a wrong one rejects the recording with a reason
 * that names the checksum mismatch. (The S3 driver's read-back and comparison
 * are covered by verifier.test.ts on s3rver; s3rver has no ListParts, so a
 * chunked complete through it needs the SDK mock s3-driver.test.ts sets up.)
 */
const FIXTURES = path.join(__dirname, 'fixtures');
const VIDEO = readFileSync(path.join(FIXTURES, 'good.mp4'));
const DATA = readFileSync(path.join(FIXTURES, 'good.npz'));

describe('client sha256 on the local driver', () => {
  let server: CaptureServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Both files of one recording by headset H1, each with the checksum given for it. */
  async function record(client: UploadClient, timestamp: string, checksums: { video?: string; data?: string }) {
    for (const [fileType, bytes] of [
      ['video', VIDEO],
      ['data', DATA],
    ] as const) {
      const start = await client.start(bytes.length, {
        timestamp,
        fileType,
        ...(checksums[fileType] ? { sha256: checksums[fileType] } : {}),
      });
      const done = await client.complete(start, await client.putAll(start, bytes));
      expect(done.status, JSON.stringify(done.body)).toBe(200);
    }
    const recordingId = `${timestamp}_H1`;
    return eventually(async () => {
      const { status, body } = await client.call<{ recording: RecordingView }>('GET', `/api/recordings/${recordingId}`, undefined, {
        'x-api-key': client.server.config.auth.adminApiKey,
      });
      expect(status).toBe(200);
      expect(['verified', 'rejected']).toContain(body.recording.state);
      return body.recording;
    }, 15_000);
  }

  it('verifies a recording whose files match the checksums sent, and rejects one whose video does not, naming the mismatch', async () => {
    const started = await startUploadServer();
    server = started.server;
    // Upper case is accepted: the server compares in lower case.
    const good = await record(started.client, '20260206_120000', { video: sha256(VIDEO).toUpperCase(), data: sha256(DATA) });
    expect(good).toMatchObject({ state: 'verified', verdict: 'pass', reasons: [] });
    expect(good.files.video).toMatchObject({ sha256: sha256(VIDEO), clientSha256: sha256(VIDEO) });
    expect(good.files.data).toMatchObject({ sha256: sha256(DATA), clientSha256: sha256(DATA) });

    const wrong = sha256(Buffer.from('not the video'));
    const bad = await record(started.client, '20260206_120100', { video: wrong, data: sha256(DATA) });
    expect(bad).toMatchObject({ state: 'rejected', verdict: 'fail' });
    expect(bad.reasons).toEqual(["the video's SHA-256 differs from the one the headset sent: the file was damaged on the way"]);
    expect(bad.files.video).toMatchObject({ sha256: sha256(VIDEO), clientSha256: wrong });
  });

  it('refuses a start whose sha256 is not 64 hexadecimal characters', async () => {
    const started = await startUploadServer();
    server = started.server;
    const res = await started.client.call('POST', '/chunked-upload/start', {
      timestamp: '20260206_120200',
      fileType: 'video',
      fileSize: VIDEO.length,
      sha256: 'abc',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/sha256 must be 64 hexadecimal characters/);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { analyseNpz } from '../../src/quality/analyse';
import { verifyRecording } from '../../src/recordings/verifier';
import type { RecordingRecord } from '../../src/state';
import { LocalStorage, type ObjectStorage } from '../../src/storage';
import { startS3Server, type TestS3 } from '../helpers/s3-server';

/**
 * Each check of the integrity gate, passing and failing, on real MP4 and NPZ
 * files (test/recordings/fixtures, made by make_fixtures.sh with ffmpeg and
 * numpy), through the local driver and through S3 (s3rver).
 */
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const { config } = loadConfig({ NODE_ENV: 'test' });

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

const drivers: Array<[string, () => ObjectStorage]> = [
  ['local driver', () => new LocalStorage(mkdtempSync(path.join(os.tmpdir(), 'capture-verify-')))],
  ['S3 (s3rver)', () => s3.storage],
];

describe.each(drivers)('integrity gate on the %s', (_name, storageOf) => {
  let n = 0;
  async function verify(video: string, data: string, client: { video?: string; data?: string } = {}) {
    const storage = storageOf();
    const id = `20260206_1430${String(++n).padStart(2, '0')}_H${n}`;
    const files: RecordingRecord['files'] = {};
    for (const [type, name] of [
      ['video', video],
      ['data', data],
    ] as const) {
      const key = `sessions/${id}/${type === 'video' ? 'recording.mp4' : 'session_data.npz'}`;
      const body = fixture(name);
      const { etag } = await storage.putObjectStream(key, Readable.from([body]), 'application/octet-stream');
      files[type] = {
        key,
        state: 'complete',
        size: body.length,
        etag,
        updatedAt: new Date(),
        ...(client[type] ? { clientSha256: client[type] } : {}),
      };
    }
    const record: RecordingRecord = {
      recordingId: id,
      deviceId: `H${n}`,
      createdAt: new Date(),
      updatedAt: new Date(),
      state: 'verifying',
      files,
      tags: {},
      history: [],
    };
    return verifyRecording(record, {
      storage,
      thresholds: config.recordings,
      analyseNpz: (open) => analyseNpz(open, { maxNpzBytes: 1 << 24, lowConfidence: 0.5 }),
    });
  }

  it('passes a good recording (moov at the end, or first), with both files hashed as stored', async () => {
    for (const video of ['good.mp4', 'good_faststart.mp4']) {
      const { verification, sha256 } = await verify(video, 'good.npz', { video: sha(fixture(video)), data: sha(fixture('good.npz')) });
      expect(verification).toMatchObject({ verdict: 'pass', reasons: [] });
      expect(verification.mp4).toMatchObject({ playable: true, frameCount: 90, durationSeconds: 3, fps: 30 });
      expect(verification.npz).toMatchObject({
        readable: true,
        frameCount: 90,
        metadataTotalFrames: 90,
        durationSeconds: 3,
        appVersion: '2.3.1',
      });
      expect(verification.qaScore).toBeGreaterThanOrEqual(80);
      expect(sha256).toEqual({ video: sha(fixture(video)), data: sha(fixture('good.npz')) });
    }
  });

  it('fails a video shorter than its tracking data: frame counts and durations disagree', async () => {
    const { verification } = await verify('short.mp4', 'good.npz');
    expect(verification.verdict).toBe('fail');
    expect(verification.checks).toMatchObject({ framesMatchTracking: false, framesMatchMetadata: false, durationsAgree: true });
    expect(verification.reasons).toEqual([
      'video has 60 frames, tracking data 90',
      'video has 60 frames, the tracking metadata says 90 (total_frames)',
    ]);
  });

  it('fails a truncated video as unplayable, saying why', async () => {
    const { verification } = await verify('truncated.mp4', 'good.npz');
    expect(verification.verdict).toBe('fail');
    expect(verification.checks.videoPlayable).toBe(false);
    expect(verification.reasons.join('\n')).toMatch(/the file is truncated/);
    expect(verification.reasons.join('\n')).toMatch(/no moov box/);
  });

  it('fails a video whose frames were dropped (effective rate under MIN_FPS_RATIO of nominal) and whose duration differs', async () => {
    const { verification } = await verify('dropped.mp4', 'good.npz');
    expect(verification.checks).toMatchObject({ frameRate: false, framesMatchTracking: true, durationsAgree: true });
    expect(verification.reasons).toEqual(['video plays at 22.5 frames per second against its nominal 30: frames were dropped']);
  });

  it('fails tracking data whose metadata disagrees, and QA under QA_PASS_SCORE with the cause in words', async () => {
    const wrong = (await verify('good.mp4', 'wrong_metadata.npz')).verification;
    expect(wrong.checks).toMatchObject({ framesMatchTracking: true, framesMatchMetadata: false, durationsAgree: true });
    expect(wrong.reasons).toContain('video has 90 frames, the tracking metadata says 120 (total_frames)');
    const hands = (await verify('good.mp4', 'hands_out.npz')).verification;
    expect(hands.verdict).toBe('fail');
    expect(hands.checks.qaScore).toBe(false);
    expect(hands.reasons).toContain('both hands out of frame 50 % of the time');
    expect(hands.reasons[0]).toMatch(/^QA score [\d.]+ is below the pass score of 80$/);
  });

  it("fails a file whose SHA-256 differs from the client's", async () => {
    const { verification } = await verify('good.mp4', 'good.npz', { video: '0'.repeat(64) });
    expect(verification.checks).toMatchObject({ videoSha256: false, dataSha256: true });
    expect(verification.reasons).toEqual(["the video's SHA-256 differs from the one the headset sent: the file was damaged on the way"]);
  });
});

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { MiB, randomFile, startUploadServer, type StartAnswer, type UploadClient } from './upload-client';

/** Every refusal is a 4xx with a message that names the problem, and changes nothing. */
describe('chunked upload refuses bad input', () => {
  let server: CaptureServer;
  let client: UploadClient;
  let dataDir: string;
  let tokens: Awaited<ReturnType<typeof startUploadServer>>['tokens'];
  let started: StartAnswer;
  let parts: Array<{ partNumber: number; etag: string }>;
  const file = randomFile(21 * MiB);

  beforeAll(async () => {
    ({ server, client, dataDir, tokens } = await startUploadServer({ MAX_UPLOAD_BYTES: String(50 * MiB) }));
    started = await client.start(file.length);
    parts = await client.putAll(started, file);
  });
  afterAll(async () => {
    await server?.close();
  });

  const ref = () => ({ uploadId: started.uploadId, s3Key: started.s3Key });

  it.each([
    [{ timestamp: '2026-02-06_14:30:52', fileType: 'video', fileSize: 10 }, /timestamp must be YYYYMMDD_HHMMSS/],
    [{ timestamp: '../../etc', fileType: 'video', fileSize: 10 }, /timestamp must be YYYYMMDD_HHMMSS/],
    [{ fileType: 'video', fileSize: 10 }, /timestamp/],
    [{ timestamp: '20260206_143052', fileType: 'audio', fileSize: 10 }, /fileType must be 'video' or 'data'/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: 0 }, /fileSize must be greater than 0/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: -5 }, /fileSize must be greater than 0/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: 1.5 }, /whole number/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: '10' }, /fileSize must be a number/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: 50 * MiB + 1 }, /exceeds the limit/],
    [{ timestamp: '20260206_143052', fileType: 'video', fileSize: 10, sessionId: 'a/b' }, /sessionId/],
  ])('start %j -> 400', async (body, message) => {
    const res = await client.call('POST', '/chunked-upload/start', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('refuses calls without a credential (401) or with a token of another role (403), and admits the admin key', async () => {
    const anonymous = await fetch(`${server.url()}/chunked-upload/start`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const tablet = await fetch(`${server.url()}/chunked-upload/parts`, {
      headers: { authorization: `Bearer ${tokens.sign('T1', 'tablet')}` },
    });
    expect(tablet.status).toBe(403);
    const wrongKey = await fetch(`${server.url()}/chunked-upload/parts`, { headers: { 'x-api-key': 'not-the-key-0123456789abcdef' } });
    expect(wrongKey.status).toBe(401);
    const admin = await fetch(
      `${server.url()}/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`,
      {
        headers: { 'x-api-key': server.config.auth.adminApiKey },
      },
    );
    expect(admin.status).toBe(200);
  });

  it.each([
    ['../../etc/passwd', /s3Key is not a key this server issued/],
    ['/sessions/20260206_143052/recording.mp4', /s3Key is not a key this server issued/],
    ['client_output/x.zip', /s3Key is not a key this server issued/],
    ['sessions/20260206_143052/../../x', /s3Key is not a key this server issued/],
    ['sessions/20260206_143052/session_data.npz', /s3Key does not belong to this uploadId/],
  ])('refuses the key %s', async (s3Key, message) => {
    for (const route of ['/chunked-upload/complete', '/chunked-upload/abort', '/chunked-upload/sign-parts']) {
      const res = await client.call('POST', route, { ...ref(), s3Key, parts, partNumbers: [1] });
      expect(res.status, route).toBe(400);
      expect(res.body.error).toMatch(message);
    }
  });

  it('answers 404 for an unknown upload ID, and for another headset’s upload', async () => {
    const unknown = await client.complete({ uploadId: 'f'.repeat(32), s3Key: started.s3Key }, parts);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/unknown uploadId/);
    const other = new (client.constructor as typeof UploadClient)(server, tokens.sign('H2', 'headset'));
    expect((await other.complete(ref(), parts)).status).toBe(404);
    expect((await other.call('POST', '/chunked-upload/abort', ref())).status).toBe(404);
  });

  it.each([
    [[{ partNumber: 0, etag: 'x' }], /partNumber must be between 1 and 10000/],
    [[{ partNumber: 10_001, etag: 'x' }], /partNumber must be between 1 and 10000/],
    [[], /parts is empty/],
    ['not-an-array', /parts must be an array/],
  ])('refuses parts %j', async (badParts, message) => {
    const res = await client.complete(ref(), badParts as never);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('refuses duplicated, missing, surplus and wrong-ETag parts, naming the problem', async () => {
    const [p1, p2, p3] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0]];
    const cases: Array<[unknown[], RegExp]> = [
      [[p1, p1, p2, p3], /part 1 is listed twice/],
      [[p1, p3], /parts missing from the list: 2/],
      [[p1, p2, p3, { partNumber: 4, etag: p3.etag }], /part 4 is beyond this upload's 3 parts/],
      [[p1, { ...p2, etag: p1.etag }, p3], /part 2: ETag .* does not match the stored part/],
    ];
    for (const [given, message] of cases) {
      const res = await client.complete(ref(), given as never);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    const sign = await client.call('POST', '/chunked-upload/sign-parts', { ...ref(), partNumbers: [2, 2] });
    expect(sign.body.error).toMatch(/part 2 is listed twice/);
    const tooMany = await client.call('POST', '/chunked-upload/sign-parts', {
      ...ref(),
      partNumbers: Array.from({ length: 1001 }, (_, i) => i + 1),
    });
    expect(tooMany.body.error).toMatch(/at most 1000/);
    // Nothing of this completed anything.
    expect(readdirSync(path.join(dataDir, '.multipart'))).toEqual([started.uploadId]);
  });

  it('refuses a complete whose parts do not add up to the declared size', async () => {
    const short = await client.start(file.length + 5);
    const shortParts = await client.putAll(short, file);
    const res = await client.complete(short, shortParts);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(`the parts add up to ${file.length} bytes but the upload declared ${file.length + 5}`);
  });

  it('refuses oversized and malformed JSON', async () => {
    const huge = JSON.stringify({ ...ref(), parts: [{ partNumber: 1, etag: 'x'.repeat(2 * 1024 * 1024) }] });
    const tooLarge = await client.call('POST', '/chunked-upload/complete', huge);
    expect(tooLarge.status).toBe(413);
    const broken = await client.call('POST', '/chunked-upload/complete', '{"uploadId":');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('request body is not valid JSON');
  });

  it('still completes the untouched upload afterwards', async () => {
    const done = await client.complete(ref(), parts);
    expect(done.status).toBe(200);
  });
});

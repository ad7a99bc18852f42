import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import pino from 'pino';
import { captureLog } from '../helpers/log-capture';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth';
import { createRestAuth } from '../../src/http/require-auth';
import { testConfig } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import { MemoryStore } from '../../src/state';
import { createStorage, InvalidPartError, UploadNotFoundError, type S3Storage } from '../../src/storage';
import { createUploads } from '../../src/uploads';
import { startS3Server, type TestS3 } from '../helpers/s3-server';
import { MiB, md5Etag, randomFile, sha256, slice, startUploadServer } from './upload-client';
import { DomainEvents } from '../../src/domain/events';
import type { SessionUploads } from '../../src/sessions';

/** These uploads belong to no capture session: there is no session progress to report. */
const NO_SESSIONS: SessionUploads = { uploadProgress: async () => undefined };

const KEY = 'sessions/20260206_143052/recording.mp4';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

describe('S3 driver against s3rver (a real S3 protocol server)', () => {
  it('runs a multipart upload with presigned PUTs over HTTP and stores the object byte for byte', async () => {
    const storage = s3.storage;
    const file = randomFile(12 * MiB + 7);
    const uploadId = await storage.multipart.createMultipartUpload(KEY, { contentType: 'video/mp4', partSize: 5 * MiB });
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const partNumber of [1, 2, 3]) {
      const url = await storage.multipart.presignPartUrl(KEY, uploadId, partNumber, 3600);
      expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/${KEY}?`)).toBe(true);
      expect(url).toContain('X-Amz-Signature=');
      const res = await fetch(url, { method: 'PUT', body: slice(file, 5 * MiB, partNumber) });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(md5Etag(slice(file, 5 * MiB, partNumber)));
      parts.push({ partNumber, etag: res.headers.get('etag')! });
    }
    const { etag } = await storage.multipart.completeMultipartUpload(KEY, uploadId, parts);
    // Real S3 answers "<md5 of md5s>-3"; s3rver answers a plain MD5.
    expect(etag).toMatch(/^"[0-9a-f]{32}(-3)?"$/);
    expect(sha256(await buffer(await storage.readObject(KEY)))).toBe(sha256(file));
    expect(await storage.headObject(KEY)).toMatchObject({ key: KEY, size: file.length });
  });

  it('works from the frozen configuration createStorage is given (the SDK writes to its credentials)', async () => {
    const config = testConfig({
      S3_BUCKET_NAME: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    expect(Object.isFrozen(config.storage.s3?.credentials)).toBe(true);
    const storage = createStorage(config);
    try {
      await storage.ping();
      expect(await storage.headObject('sessions/20260206_143052/none.mp4')).toBeNull();
    } finally {
      await storage.close();
    }
  });

  it('streams bodies of unknown length into place, small (one PUT) and large (managed multipart)', async () => {
    for (const size of [1000, 6 * MiB]) {
      const body = randomFile(size);
      const key = `sessions/20260206_151230/${size === 1000 ? 'session_data.npz' : 'recording.mp4'}`;
      const stored = await s3.storage.putObjectStream(key, Readable.from([body.subarray(0, 100), body.subarray(100)]), 'video/mp4');
      expect(stored.size).toBe(size);
      expect(sha256(await buffer(await s3.storage.readObject(key)))).toBe(sha256(body));
    }
  });
});

/**
 * s3rver implements neither ListParts, ListMultipartUploads nor
 * AbortMultipartUpload, nor refuses a bad complete, so these calls are covered
 * with aws-sdk-client-mock, answering as S3 documents (the gaps the shared
 * contract in test/storage skips for s3rver).
 */
describe('S3 driver calls s3rver lacks (aws-sdk-client-mock)', () => {
  let mock: ReturnType<typeof mockClient>;
  afterEach(() => mock?.restore());

  it('lists parts past S3’s 1,000-part pages, in part order', async () => {
    mock = mockClient(s3.storage.client);
    const page = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        PartNumber: from + i,
        ETag: `"${String(from + i).padStart(32, '0')}"`,
        Size: 10 * MiB,
      }));
    mock
      .on(ListPartsCommand, { UploadId: 'u-1', PartNumberMarker: undefined })
      .resolves({ Parts: page(1, 1000), IsTruncated: true, NextPartNumberMarker: '1000' })
      .on(ListPartsCommand, { UploadId: 'u-1', PartNumberMarker: '1000' })
      .resolves({ Parts: page(1001, 2000), IsTruncated: true, NextPartNumberMarker: '2000' })
      .on(ListPartsCommand, { UploadId: 'u-1', PartNumberMarker: '2000' })
      .resolves({ Parts: page(2001, 2500), IsTruncated: false });
    const parts = await s3.storage.multipart.listParts(KEY, 'u-1');
    expect(parts).toHaveLength(2500);
    expect(parts[2499]).toEqual({ partNumber: 2500, etag: `"${'2500'.padStart(32, '0')}"`, size: 10 * MiB });
    expect(mock.commandCalls(ListPartsCommand)).toHaveLength(3);
    expect(mock.commandCalls(ListPartsCommand)[0]!.args[0].input).toMatchObject({ Bucket: s3.bucket, Key: KEY, UploadId: 'u-1' });
  });

  it('reports an unknown upload as UploadNotFoundError, and aborting one is not an error', async () => {
    mock = mockClient(s3.storage.client);
    const noSuchUpload = Object.assign(new Error('The specified upload does not exist'), { name: 'NoSuchUpload' });
    mock.on(ListPartsCommand).rejects(noSuchUpload).on(AbortMultipartUploadCommand).rejects(noSuchUpload);
    await expect(s3.storage.multipart.listParts(KEY, 'gone')).rejects.toBeInstanceOf(UploadNotFoundError);
    await expect(s3.storage.multipart.abortMultipartUpload(KEY, 'gone')).resolves.toBeUndefined();
    expect(mock.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: s3.bucket, Key: KEY, UploadId: 'gone' });
  });

  it('reports parts S3 refuses on complete as InvalidPartError, and an unknown upload as UploadNotFoundError', async () => {
    mock = mockClient(s3.storage.client);
    const s3Error = (name: string) => Object.assign(new Error(`S3 says ${name}`), { name });
    mock
      .on(CompleteMultipartUploadCommand, { UploadId: 'bad-parts' })
      .rejects(s3Error('InvalidPart'))
      .on(CompleteMultipartUploadCommand, { UploadId: 'gone' })
      .rejects(s3Error('NoSuchUpload'));
    const parts = [{ partNumber: 1, etag: `"${'0'.repeat(32)}"` }];
    await expect(s3.storage.multipart.completeMultipartUpload(KEY, 'bad-parts', parts)).rejects.toBeInstanceOf(InvalidPartError);
    await expect(s3.storage.multipart.completeMultipartUpload(KEY, 'gone', parts)).rejects.toBeInstanceOf(UploadNotFoundError);
  });

  it('sweeps: aborts expired recorded uploads and old orphans under sessions/, across ListMultipartUploads pages', async () => {
    mock = mockClient(s3.storage.client);
    const old = new Date(Date.now() - 48 * 3600 * 1000);
    mock
      .on(CreateMultipartUploadCommand)
      .resolves({ UploadId: 'recorded-1' })
      .on(ListMultipartUploadsCommand, { KeyMarker: undefined })
      .resolves({
        Uploads: [
          { Key: KEY, UploadId: 'recorded-1', Initiated: old },
          { Key: 'client_output/x.zip', UploadId: 'theirs', Initiated: old },
        ],
        IsTruncated: true,
        NextKeyMarker: 'client_output/x.zip',
        NextUploadIdMarker: 'theirs',
      })
      .on(ListMultipartUploadsCommand, { KeyMarker: 'client_output/x.zip' })
      .resolves({
        Uploads: [
          { Key: KEY, UploadId: 'orphan-1', Initiated: old },
          { Key: KEY, UploadId: 'young', Initiated: new Date() },
        ],
        IsTruncated: false,
      })
      .on(AbortMultipartUploadCommand)
      .resolves({});
    const config = testConfig();
    const store = new MemoryStore(config.ttl);
    const { service, sweeper } = createUploads({
      config,
      auth: createRestAuth(new TokenService(config.auth.jwtSecret, '1h'), config.auth),
      store,
      sessions: NO_SESSIONS,
      events: new DomainEvents(),
      storage: s3.storage,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    await service.start({ timestamp: '20260206_143052', fileType: 'video', fileSize: 30 * MiB }, { deviceId: 'H1' }, 'http://x');
    const record = (await store.uploads.get('recorded-1'))!;
    await store.uploads.save({ ...record, startedAt: old });

    expect(await sweeper.sweep()).toEqual({ expired: 1, orphaned: 1, tempFiles: 0 });
    const aborted = mock
      .commandCalls(AbortMultipartUploadCommand)
      .map((c) => c.args[0].input.UploadId)
      .sort();
    expect(aborted).toEqual(['orphan-1', 'recorded-1']);
    expect(await store.uploads.get('recorded-1')).toBeNull();
    await store.close();
  });
});

describe('chunked and legacy upload over HTTP with S3 storage', () => {
  let mock: ReturnType<typeof mockClient> | undefined;
  afterEach(() => mock?.restore());

  /**
   * Every call goes to s3rver except ListParts, which s3rver lacks: it is
   * answered from the ETags s3rver itself returned for the PUTs.
   */
  function passThroughExceptListParts(client: S3Client, stored: () => Array<{ partNumber: number; etag: string; size: number }>) {
    const realSend = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    mock = mockClient(client);
    for (const Command of [
      CreateMultipartUploadCommand,
      CompleteMultipartUploadCommand,
      GetObjectCommand,
      HeadObjectCommand,
      PutObjectCommand,
      UploadPartCommand,
    ]) {
      mock.on(Command as never).callsFake((input: unknown) => realSend(new (Command as new (i: unknown) => unknown)(input)));
    }
    mock.on(ListPartsCommand).callsFake(async () => ({
      Parts: stored().map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size })),
      IsTruncated: false,
    }));
  }

  it('uploads a recording end to end: start, presigned PUTs to S3, complete checked against stored parts', async () => {
    const { server, client } = await startUploadServer({}, { storage: s3.storage });
    try {
      const file = randomFile(21 * MiB);
      const stored: Array<{ partNumber: number; etag: string; size: number }> = [];
      passThroughExceptListParts(s3.storage.client, () => stored);
      // A second of its own: an earlier test already stored an object at KEY in this bucket.
      const key = 'sessions/20260206_170000_H1/recording.mp4';
      const started = await client.start(file.length, { timestamp: '20260206_170000' });
      expect(started).toMatchObject({ s3Key: key, totalParts: 3, chunkSize: 10 * MiB });
      expect(started.presignedUrls[0]!.url.startsWith(s3.endpoint)).toBe(true);
      const parts = await client.putAll(started, file);
      parts.forEach((p) => stored.push({ ...p, size: slice(file, 10 * MiB, p.partNumber).length }));

      const wrong = await client.complete(started, [parts[0]!, { ...parts[1]!, etag: parts[0]!.etag }, parts[2]!]);
      expect(wrong.status).toBe(400);
      const done = await client.complete(started, parts);
      expect(done.status).toBe(200);
      expect(done.body.location).toBe(`s3://${s3.bucket}/${key}`);
      expect(sha256(await buffer(await (server.storage as S3Storage).readObject(key)))).toBe(sha256(file));
    } finally {
      mock?.restore();
      await server.close();
    }
  });

  it('answers 503 when S3 is unreachable, logs the failure with one stack, and keeps serving', async () => {
    const { freePort } = await import('../helpers/redis-server');
    const { S3Storage } = await import('../../src/storage');
    const dead = new S3Storage({
      bucket: 'nowhere',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await freePort()}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const logs = captureLog();
    const { server, client } = await startUploadServer({}, { storage: dead, logger: pino({ level: 'info' }, logs.stream) });
    try {
      const res = await client.call('POST', '/chunked-upload/start', { timestamp: '20260206_143052', fileType: 'video', fileSize: 100 });
      expect(res).toEqual({ status: 503, body: { ok: false, code: 'storage_unavailable', error: 'storage is unavailable; retry later' } });
      // One failure, one stack (issue 36: it was logged twice per request).
      expect(logs.lines().filter((line) => JSON.stringify(line).includes('"stack"'))).toHaveLength(1);
      expect((await fetch(`${server.url()}/test`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('stores a legacy single-request upload in the bucket', async () => {
    const { server, client } = await startUploadServer({}, { storage: s3.storage });
    try {
      const data = randomFile(300_000);
      const body = new FormData();
      body.append('timestamp', '20260207_090000');
      body.append('data', new Blob([data]), 'session_data.npz');
      const res = await fetch(`${server.url()}/upload-session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${client.token}` },
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        files: { data: { key: 'sessions/20260207_090000_H1/session_data.npz', size: data.length } },
      });
      expect(sha256(await buffer(await s3.storage.readObject('sessions/20260207_090000_H1/session_data.npz')))).toBe(sha256(data));
    } finally {
      await server.close();
    }
  });
});

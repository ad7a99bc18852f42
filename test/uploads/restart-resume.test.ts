import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { STORE_KINDS } from '../helpers/test-server';
import { MiB, randomFile, sha256, startUploadServer, type ListedParts, type SignedParts } from './upload-client';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('resume across a server restart (Redis store, local driver)', () => {
  it('finishes an upload started before the restart: list parts, re-sign, complete, sha256 equal', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() };
    const file = randomFile(23 * MiB);
    const before = await startUploadServer(env);
    const started = await before.client.start(file.length);
    const first = await before.client.putAll(started, file, [1]);
    const oldBase = before.server.url();
    await before.server.close();

    // Same Redis, same DATA_DIR, same secrets: a restarted process.
    const after = await startUploadServer({ ...env, DATA_DIR: before.dataDir });
    try {
      const ref = `uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`;
      const listed = await after.client.call<ListedParts>('GET', `/chunked-upload/parts?${ref}`);
      expect(listed.status).toBe(200);
      expect(listed.body.parts.map((p) => p.partNumber)).toEqual([1]);
      // A URL signed before the restart still works (its key derives from JWT_SECRET).
      const second = await after.client.putPart(
        started.presignedUrls[1]!.url.replace(oldBase, after.server.url()),
        file.subarray(10 * MiB, 20 * MiB),
      );
      expect(second.status).toBe(200);
      const signed = await after.client.call<SignedParts>('POST', '/chunked-upload/sign-parts', {
        uploadId: started.uploadId,
        s3Key: started.s3Key,
        partNumbers: [3],
      });
      const rest = await after.client.putAll({ ...started, presignedUrls: signed.body.presignedUrls }, file);
      const done = await after.client.complete(started, [...first, { partNumber: 2, etag: second.etag }, ...rest]);
      expect(done.status).toBe(200);
      expect(sha256(readFileSync(path.join(before.dataDir, started.s3Key)))).toBe(sha256(file));
    } finally {
      await after.server.close();
    }
  });
});

describe.each(STORE_KINDS)('a complete that met a restart (%s store, local driver; issue 37)', (kind) => {
  it("is finished by the client's retry when storage completed it but the record was not saved", async () => {
    const env = kind === 'redis' ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() } : {};
    const file = randomFile(3 * MiB);
    const before = await startUploadServer(env);
    const started = await before.client.start(file.length);
    const parts = await before.client.putAll(started, file);
    // What the dying process got done: storage assembled the object; the record stayed in progress.
    await before.server.storage.multipart.completeMultipartUpload(started.s3Key, started.uploadId, parts);
    let server = before;
    if (kind === 'redis') {
      await before.server.close();
      server = await startUploadServer({ ...env, DATA_DIR: before.dataDir });
    }
    try {
      const ref = `uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`;
      // A resume's first question already learns it is done (the record is finished meanwhile).
      const resumed = await server.client.call<ListedParts & { status: string }>('GET', `/chunked-upload/parts?${ref}`);
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ status: 'completed', parts: [] });
      const done = await server.client.complete(started, parts);
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ ok: true, alreadyCompleted: true, size: file.length });
      // The record is finished: the upload reads as completed, and completing again is a plain repeat.
      const listed = await server.client.call<ListedParts & { status: string }>('GET', `/chunked-upload/parts?${ref}`);
      expect(listed.body.status).toBe('completed');
      expect((await server.client.complete(started, parts)).body).toMatchObject({ ok: true, alreadyCompleted: true });
      expect(sha256(readFileSync(path.join(before.dataDir, started.s3Key)))).toBe(sha256(file));
    } finally {
      await server.server.close();
      if (server !== before) await before.server.close().catch(() => undefined);
    }
  });
});

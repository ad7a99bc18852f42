import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { SessionRecord } from '../../src/state';
import { LocalStorage } from '../../src/storage';
import {
  MiB,
  md5Etag,
  randomFile,
  sha256,
  slice,
  startUploadServer,
  UploadClient,
  type ListedParts,
  type SignedParts,
  type StartAnswer,
} from './upload-client';

/** The test headset H1's recording folder: {timestamp}_{deviceId}. */
const KEY = 'sessions/20260206_143052_H1/recording.mp4';

describe('chunked upload through the local driver', () => {
  const servers: CaptureServer[] = [];
  const start = async (...args: Parameters<typeof startUploadServer>) => {
    const started = await startUploadServer(...args);
    servers.push(started.server);
    return started;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('signs at most UPLOAD_URLS_PER_ANSWER parts in a start answer; the client signs the rest and the file arrives whole', async () => {
    const { client, dataDir } = await start({ UPLOAD_URLS_PER_ANSWER: '2' });
    const file = randomFile(25 * MiB + 123);
    const raw = await client.call<StartAnswer>('POST', '/chunked-upload/start', {
      timestamp: '20260206_143052',
      fileType: 'video',
      fileSize: file.length,
    });
    expect(raw.body).toMatchObject({ ok: true, totalParts: 3 });
    expect(raw.body.presignedUrls.map((u) => u.partNumber)).toEqual([1, 2]);

    const started = await client.signRest(raw.body);
    expect(started.presignedUrls.map((u) => u.partNumber)).toEqual([1, 2, 3]);
    const done = await client.complete(started, await client.putAll(started, file));
    expect(done.status).toBe(200);
    expect(sha256(readFileSync(path.join(dataDir, KEY)))).toBe(sha256(file));
  });

  it('uploads a 3-part file whole: presigned PUTs, complete, bytes equal, no working files listed', async () => {
    const { client, dataDir, server } = await start();
    const file = randomFile(25 * MiB + 123);
    const started = await client.start(file.length, { fileName: 'capture.mp4' });
    expect(started).toMatchObject({ ok: true, s3Key: KEY, totalParts: 3, chunkSize: 10 * MiB });
    expect(started.presignedUrls.map((u) => u.partNumber)).toEqual([1, 2, 3]);
    expect(started.presignedUrls[0]!.url.startsWith(`${server.url()}/local-upload/`)).toBe(true);

    const parts = await client.putAll(started, file);
    expect(parts[0]!.etag).toBe(md5Etag(slice(file, 10 * MiB, 1)));
    // Nothing is visible at the key until complete.
    expect(existsSync(path.join(dataDir, KEY))).toBe(false);

    const done = await client.complete(started, parts);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ ok: true, s3Key: KEY, size: file.length, alreadyCompleted: false });
    expect(done.body.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(sha256(readFileSync(path.join(dataDir, KEY)))).toBe(sha256(file));
    expect(readdirSync(path.join(dataDir, '.multipart'))).toEqual([]);

    const keys: string[] = [];
    for await (const o of server.storage.listObjects()) keys.push(o.key);
    expect(keys).toEqual([KEY]);

    // A repeated complete of the finished upload answers success.
    const again = await client.complete(started, parts);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, s3Key: KEY, etag: done.body.etag, alreadyCompleted: true });
  });

  it('resumes after part 1 of 3: list parts, re-sign the rest, finish, sha256 equal', async () => {
    const { client, dataDir } = await start();
    const file = randomFile(21 * MiB);
    const started = await client.start(file.length);
    const first = await client.putAll(started, file, [1]);

    // The headset lost Wi-Fi; it asks what arrived.
    const listed = await client.call<ListedParts>(
      'GET',
      `/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ status: 'in-progress', totalParts: 3, bytesStored: 10 * MiB });
    expect(listed.body.parts).toEqual([{ partNumber: 1, etag: first[0]!.etag, size: 10 * MiB }]);

    const signed = await client.call<SignedParts>('POST', '/chunked-upload/sign-parts', {
      uploadId: started.uploadId,
      s3Key: started.s3Key,
      partNumbers: [2, 3],
    });
    expect(signed.status).toBe(200);
    expect(signed.body.presignedUrls.map((u) => u.partNumber)).toEqual([2, 3]);
    const rest = await client.putAll({ ...started, presignedUrls: signed.body.presignedUrls }, file);

    const done = await client.complete(started, [...first, ...rest]);
    expect(done.status).toBe(200);
    expect(sha256(readFileSync(path.join(dataDir, KEY)))).toBe(sha256(file));
  });

  it('answers 403 to tampered and expired part URLs and stores nothing', async () => {
    const { client, server } = await start();
    const file = randomFile(11 * MiB);
    const started = await client.start(file.length);
    const url = new URL(started.presignedUrls[0]!.url);
    const body = slice(file, 10 * MiB, 1);

    const otherPart = new URL(url);
    otherPart.pathname = otherPart.pathname.replace(/\/1$/, '/2');
    const otherKey = new URL(url);
    otherKey.searchParams.set('key', 'sessions/20260206_143052_H1/session_data.npz');
    const laterExpiry = new URL(url);
    laterExpiry.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    const badSignature = new URL(url);
    const sig = url.searchParams.get('signature')!;
    badSignature.searchParams.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));

    for (const tampered of [otherPart, otherKey, laterExpiry, badSignature]) {
      const res = await client.putPart(tampered.toString(), body);
      expect(res.status, tampered.toString()).toBe(403);
      expect(res.body).toContain('signature does not match');
    }

    const storage = server.storage as LocalStorage;
    const expired = storage.localParts.signer.url({
      uploadId: started.uploadId,
      key: started.s3Key,
      partNumber: 1,
      expires: Math.floor(Date.now() / 1000) - 1,
    });
    const res = await client.putPart(`${server.url()}${expired}`, body);
    expect(res.status).toBe(403);
    expect(res.body).toContain('expired');

    const listed = await client.call<ListedParts>(
      'GET',
      `/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`,
    );
    expect(listed.body.parts).toEqual([]);
  });

  it('keeps one whole part when the same part is PUT concurrently (the last write wins, as on S3)', async () => {
    const { client, dataDir } = await start();
    const file = randomFile(15 * MiB);
    const started = await client.start(file.length);
    const url = started.presignedUrls[0]!.url;
    const variantA = slice(file, 10 * MiB, 1);
    const variantB = Buffer.from(variantA).fill(7, 0, 1024 * 1024);
    const [a, b] = await Promise.all([client.putPart(url, variantA), client.putPart(url, variantB)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(new Set([a.etag, b.etag]).size).toBe(2);

    const listed = await client.call<ListedParts>(
      'GET',
      `/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`,
    );
    expect(listed.body.parts).toHaveLength(1);
    const kept = listed.body.parts[0]!.etag;
    expect([a.etag, b.etag]).toContain(kept);

    const [last] = await client.putAll(started, file, [2]);
    const done = await client.complete(started, [{ partNumber: 1, etag: kept }, last!]);
    expect(done.status).toBe(200);
    const winner = kept === a.etag ? variantA : variantB;
    expect(sha256(readFileSync(path.join(dataDir, KEY)))).toBe(sha256(Buffer.concat([winner, slice(file, 10 * MiB, 2)])));
  });

  it('refuses a part larger than the part size with 413 and keeps nothing of it', async () => {
    const { client } = await start();
    const started = await client.start(15 * MiB);
    const res = await client.putPart(started.presignedUrls[0]!.url, randomFile(10 * MiB + 1));
    expect(res.status).toBe(413);
    const listed = await client.call<ListedParts>(
      'GET',
      `/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`,
    );
    expect(listed.body.parts).toEqual([]);
  });

  it('aborts: parts discarded, the upload is gone, nothing appears at the key', async () => {
    const { client, dataDir } = await start();
    const file = randomFile(12 * MiB);
    const started = await client.start(file.length);
    const parts = await client.putAll(started, file, [1]);
    const aborted = await client.call('POST', '/chunked-upload/abort', { uploadId: started.uploadId, s3Key: started.s3Key });
    expect(aborted.status).toBe(200);
    expect(readdirSync(path.join(dataDir, '.multipart'))).toEqual([]);
    expect((await client.complete(started, parts)).status).toBe(404);
    expect((await client.putPart(started.presignedUrls[1]!.url, slice(file, 10 * MiB, 2))).status).toBe(404);
    expect(existsSync(path.join(dataDir, KEY))).toBe(false);
  });

  it('lets the session device status follow the upload and tells the listener', async () => {
    const changes: SessionRecord[] = [];
    const { client, server } = await start();
    server.events.on('session.upload-changed', ({ session }) => void changes.push(session));
    await server.store.sessions.save({
      sessionId: 'session_20260206_143052_ab12',
      tabletId: 'T1',
      deviceIds: ['H1', 'H2'],
      status: 'completed',
      createdAt: new Date(),
      deviceStatuses: {
        H1: { isRecording: false, frameCount: 900, uploadProgress: 0, uploadStatus: 'pending' },
        H2: { isRecording: false, frameCount: 800, uploadProgress: 0, uploadStatus: 'pending' },
      },
    });
    const statusOf = async (device: string) => (await server.store.sessions.get('session_20260206_143052_ab12'))!.deviceStatuses[device];

    const file = randomFile(12 * MiB);
    const started = await client.start(file.length, { sessionId: 'session_20260206_143052_ab12' });
    expect(await statusOf('H1')).toEqual({ isRecording: false, frameCount: 900, uploadProgress: 0, uploadStatus: 'uploading' });
    // A completed session is 'uploading' while a recording is arriving...
    expect((await server.store.sessions.get('session_20260206_143052_ab12'))!.status).toBe('uploading');

    const parts = await client.putAll(started, file, [1]);
    await client.call('GET', `/chunked-upload/parts?uploadId=${started.uploadId}&s3Key=${encodeURIComponent(started.s3Key)}`);
    expect(await statusOf('H1')).toMatchObject({ uploadStatus: 'uploading', uploadProgress: 83 });

    parts.push(...(await client.putAll(started, file, [2])));
    expect((await client.complete(started, parts)).status).toBe(200);
    expect(await statusOf('H1')).toMatchObject({ uploadStatus: 'completed', uploadProgress: 100, frameCount: 900 });
    expect(await statusOf('H2')).toMatchObject({ uploadStatus: 'pending' });
    // ...and completed again once none is.
    expect((await server.store.sessions.get('session_20260206_143052_ab12'))!.status).toBe('completed');
    expect(changes.map((s) => s.deviceStatuses.H1!.uploadStatus)).toEqual(['uploading', 'uploading', 'completed']);

    const second = await client.start(file.length, { sessionId: 'session_20260206_143052_ab12', fileType: 'data' });
    await client.call('POST', '/chunked-upload/abort', { uploadId: second.uploadId, s3Key: second.s3Key });
    expect(await statusOf('H1')).toMatchObject({ uploadStatus: 'failed' });
  });

  it('lets a headset start its own key again, gives another headset of the same second its own folder, and protects an existing object', async () => {
    const { client, server, dataDir, tokens } = await start();
    const other = new UploadClient(server, tokens.sign('H2', 'headset'));
    const file = randomFile(1000);
    const first = await client.start(file.length);
    const request = { timestamp: '20260206_143052', fileType: 'video', fileSize: 1000 };
    // The same headset may start again (it lost its upload ID, say).
    expect((await client.call('POST', '/chunked-upload/start', request)).status).toBe(200);
    const beside = await other.call('POST', '/chunked-upload/start', request);
    expect(beside).toMatchObject({ status: 200, body: { s3Key: 'sessions/20260206_143052_H2/recording.mp4' } });
    expect((await client.complete(first, await client.putAll(first, file))).status).toBe(200);
    // An object nobody uploaded through this server (copied in, or from before a store reset) is protected.
    mkdirSync(path.join(dataDir, 'sessions/20260206_150000_H2'), { recursive: true });
    writeFileSync(path.join(dataDir, 'sessions/20260206_150000_H2/recording.mp4'), 'earlier take');
    const existing = await other.call('POST', '/chunked-upload/start', { ...request, timestamp: '20260206_150000' });
    expect(existing).toEqual({
      status: 409,
      body: {
        ok: false,
        code: 'key_conflict',
        error: 'a recording already exists at sessions/20260206_150000_H2/recording.mp4; record with a distinct timestamp',
      },
    });
    expect(readFileSync(path.join(dataDir, 'sessions/20260206_150000_H2/recording.mp4'), 'utf8')).toBe('earlier take');
  });

  it('counts finished uploads in the spec metrics', async () => {
    const { client, server } = await start();
    const file = randomFile(1000);
    const started = await client.start(file.length);
    expect((await server.metrics.registry.getSingleMetric('turing_uploads_in_progress')!.get()).values[0]!.value).toBe(1);
    // The oldest upload's age grows between upload events, so a stuck upload can alert.
    const age = async () => Number(/^turing_uploads_oldest_age_seconds (\S+)$/m.exec(await server.metrics.registry.metrics())![1]);
    const first = await age();
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await age()).toBeGreaterThan(first + 0.5);
    await client.complete(started, await client.putAll(started, file));
    const text = await server.metrics.registry.metrics();
    expect(text).toContain('turing_upload_bytes_total{file_type="video"} 1000');
    expect(text).toContain('turing_uploads_in_progress 0');
    expect(text).toContain('turing_uploads_oldest_age_seconds 0');
    expect(text).toMatch(/turing_upload_duration_seconds_count\{file_type="video"\} 1/);
    expect(text).toMatch(/turing_upload_size_bytes_count\{file_type="video"\} 1/);
  });
});

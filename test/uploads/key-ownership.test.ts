import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { randomFile, startUploadServer, UploadClient } from './upload-client';

/**
 * Issue 17 items 1-2: an object key belongs to one uploader, by an atomic claim
 * in the store, on both routes. Issue 18: a headset's uploads go to its own
 * recording folder {timestamp}_{deviceId}, so headsets started in one second
 * (tablet-start-all-recording) no longer collide at all.
 */
const redis = useTestRedis();
const TIMESTAMP = '20260206_143052';
/** Uploads without a device (the admin key alone) keep the spec's folder. */
const KEY = `sessions/${TIMESTAMP}/recording.mp4`;
/** A headset's upload goes to its recordingId folder. */
const keyOf = (deviceId: string) => `sessions/${TIMESTAMP}_${deviceId}/recording.mp4`;

describe.each(STORE_KINDS)('object key ownership (%s store)', (kind) => {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async () => {
    const env = kind === 'redis' ? { REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().uniquePrefix() } : {};
    const started = await startUploadServer(env);
    servers.push(started.server);
    const headset = (id: string) => new UploadClient(started.server, started.tokens.sign(id, 'headset'));
    return { ...started, headset };
  };

  const legacy = async (client: UploadClient, video: Buffer) => {
    const body = new FormData();
    body.append('timestamp', TIMESTAMP);
    body.append('video', new Blob([video]), 'recording.mp4');
    const res = await fetch(`${client.server.url()}/upload-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}` },
      body,
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
  };

  it('gives each of 8 headsets starting in the same second a folder of its own (its recordingId)', async () => {
    const { headset, dataDir } = await start();
    const clients = Array.from({ length: 8 }, (_, i) => headset(`H${i}`));
    const answers = await Promise.all(
      clients.map((c) => c.call('POST', '/chunked-upload/start', { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body.s3Key)).toEqual(clients.map((_, i) => `sessions/${TIMESTAMP}_H${i}/recording.mp4`));
    const files = clients.map(() => randomFile(1000));
    for (const [i, client] of clients.entries()) {
      const started = answers[i]!.body as unknown as Awaited<ReturnType<UploadClient['start']>>;
      expect((await client.complete(started, await client.putAll(await client.signRest(started), files[i]!))).status).toBe(200);
    }
    for (const [i, file] of files.entries()) expect(readFileSync(path.join(dataDir, keyOf(`H${i}`))).equals(file)).toBe(true);
  });

  it("keeps two headsets' legacy uploads of one second apart, and a retry replaces only the uploader's own", async () => {
    const { headset, dataDir } = await start();
    const takeA = randomFile(2000);
    const takeB = randomFile(3000);
    expect((await legacy(headset('H1'), takeA)).status).toBe(200);
    expect((await legacy(headset('H2'), takeB)).status).toBe(200);
    const retry = randomFile(2500);
    expect((await legacy(headset('H1'), retry)).status).toBe(200);
    expect(readFileSync(path.join(dataDir, keyOf('H1'))).equals(retry)).toBe(true);
    expect(readFileSync(path.join(dataDir, keyOf('H2'))).equals(takeB)).toBe(true);
  });

  it('refuses a start on a key that already holds a recording it did not claim (copied in, or from before a store reset)', async () => {
    const { headset, dataDir } = await start();
    const copied = path.join(dataDir, keyOf('H3'));
    mkdirSync(path.dirname(copied), { recursive: true });
    writeFileSync(copied, 'copied in');
    const answer = await headset('H3').call('POST', '/chunked-upload/start', { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 });
    expect(answer).toEqual({
      status: 409,
      body: { ok: false, code: 'key_conflict', error: `a recording already exists at ${keyOf('H3')}; record with a distinct timestamp` },
    });
    expect(readFileSync(copied, 'utf8')).toBe('copied in');
  });

  it("lets the admin key upload into a headset's folder by naming it, and refuses a headset naming another", async () => {
    const { server, headset } = await start();
    const admin = async (body: object) => {
      const res = await fetch(`${server.url()}/chunked-upload/start`, {
        method: 'POST',
        headers: { 'x-api-key': server.config.auth.adminApiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { s3Key?: string } };
    };
    const request = { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 };
    expect(await admin({ ...request, deviceId: 'H5' })).toMatchObject({ status: 200, body: { s3Key: keyOf('H5') } });
    expect(await admin(request)).toMatchObject({ status: 200, body: { s3Key: KEY } });
    expect((await headset('H1').call('POST', '/chunked-upload/start', { ...request, deviceId: 'H2' })).status).toBe(403);
  });

  it('frees the key when its upload is aborted', async () => {
    const { headset, server } = await start();
    const a = headset('H1');
    const started = await a.start(1000);
    expect(await server.store.uploads.claimKey(started.s3Key, 'operator')).toEqual({ outcome: 'held', owner: 'device:H1' });
    expect((await a.call('POST', '/chunked-upload/abort', { uploadId: started.uploadId, s3Key: started.s3Key })).status).toBe(200);
    expect(await server.store.uploads.claimKey(started.s3Key, 'operator')).toEqual({ outcome: 'claimed' });
  });
});

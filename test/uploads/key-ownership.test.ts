import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { randomFile, startUploadServer, UploadClient } from './upload-client';

/**
 * Issue 17 items 1-2: an object key belongs to one uploader. The legacy route
 * keeps the chunked route's ownership rule, and the claim is atomic in the
 * store, so concurrent starts on one key cannot all win.
 */
const redis = useTestRedis();
const TIMESTAMP = '20260206_143052';
const KEY = `sessions/${TIMESTAMP}/recording.mp4`;

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

  it("refuses a legacy upload over another headset's recording, and keeps the owner's bytes", async () => {
    const { headset, dataDir } = await start();
    const a = headset('H1');
    const b = headset('H2');
    const takeA = randomFile(2000);
    expect((await legacy(a, takeA)).status).toBe(200);

    const overwrite = await legacy(b, randomFile(3000));
    expect(overwrite).toEqual({
      status: 409,
      body: { ok: false, error: `${KEY} is being uploaded or was uploaded by H1; record with a distinct timestamp` },
    });
    expect(readFileSync(path.join(dataDir, KEY)).equals(takeA)).toBe(true);
    // Nor through the chunked route...
    expect((await b.call('POST', '/chunked-upload/start', { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 })).status).toBe(409);
    // ...while the owner may upload its own recording again (a retry).
    const retry = randomFile(2500);
    expect((await legacy(a, retry)).status).toBe(200);
    expect(readFileSync(path.join(dataDir, KEY)).equals(retry)).toBe(true);
  });

  it("refuses a legacy upload on a key another headset's chunked upload is using", async () => {
    const { headset, dataDir } = await start();
    const a = headset('H1');
    const file = randomFile(1000);
    const started = await a.start(file.length);
    expect((await legacy(headset('H2'), randomFile(500))).status).toBe(409);
    expect((await a.complete(started, await a.putAll(started, file))).status).toBe(200);
    expect(readFileSync(path.join(dataDir, KEY)).equals(file)).toBe(true);
  });

  it('lets exactly one of 8 headsets starting on one key at once win', async () => {
    const { headset, dataDir } = await start();
    const clients = Array.from({ length: 8 }, (_, i) => headset(`H${i}`));
    const answers = await Promise.all(
      clients.map((c) => c.call('POST', '/chunked-upload/start', { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const winner = answers.findIndex((a) => a.status === 200);
    const client = clients[winner]!;
    const file = randomFile(1000);
    const started = answers[winner]!.body as unknown as Awaited<ReturnType<UploadClient['start']>>;
    expect((await client.complete(started, await client.putAll(started, file))).status).toBe(200);
    expect(readFileSync(path.join(dataDir, KEY)).equals(file)).toBe(true);
  });

  it('frees the key when its upload is aborted', async () => {
    const { headset } = await start();
    const a = headset('H1');
    const started = await a.start(1000);
    const b = headset('H2');
    const request = { timestamp: TIMESTAMP, fileType: 'video', fileSize: 1000 };
    expect((await b.call('POST', '/chunked-upload/start', request)).status).toBe(409);
    expect((await a.call('POST', '/chunked-upload/abort', { uploadId: started.uploadId, s3Key: started.s3Key })).status).toBe(200);
    expect((await b.call('POST', '/chunked-upload/start', request)).status).toBe(200);
  });
});

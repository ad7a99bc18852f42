import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server';
import { runServer, waitFor } from '../helpers/child-server';
import { startS3Server, type TestS3 } from '../helpers/s3-server';

/**
 * Environment -> config -> S3, through the real entry point: the path a lab
 * takes with an IAM user or MinIO. Tests that build S3Storage by hand skip the
 * frozen config, which is what broke every S3 call here once.
 */
let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

const ADMIN_KEY = 'entrypoint-admin-key-0123456789';

describe('entry point with S3 configured only by environment variables', () => {
  it('starts a chunked upload in the bucket and reports the bucket reachable in /health', async () => {
    const port = await freePort();
    const server = runServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-entry-s3-')),
      JWT_SECRET: 'entrypoint-jwt-secret-0123456789-abcdefghij',
      ADMIN_API_KEY: ADMIN_KEY,
      S3_BUCKET_NAME: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(`${base}/test`);
      const health = await (await fetch(`${base}/health`)).json();
      // /health names no bucket or path (issue 17): the kind and reachability are enough.
      expect(health).toMatchObject({ storage: { kind: 's3', reachable: true } });

      const start = await fetch(`${base}/chunked-upload/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
        body: JSON.stringify({ timestamp: '20261201_120000', fileType: 'video', fileSize: 1024 }),
      });
      const body = (await start.json()) as { s3Key?: string; presignedUrls?: Array<{ url: string }> };
      expect(start.status, JSON.stringify(body)).toBe(200);
      expect(body.s3Key).toBe('sessions/20261201_120000/recording.mp4');
      // The part URL was signed with the configured keys and the bucket takes the part.
      const part = await fetch(body.presignedUrls![0]!.url, { method: 'PUT', body: new Uint8Array(1024) });
      expect(part.status).toBe(200);
      expect(part.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  });
});

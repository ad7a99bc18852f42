import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CaptureHttp, uploadFile } from '@capture-backend/client';
import { nodeHttpFetch } from '@capture-backend/client/node';
import { MiB, randomFile, sha256 } from '../uploads/upload-client';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/** The typed client over nodeHttpFetch (node:http) instead of the built-in fetch, against a real server. */
describe('nodeHttpFetch', () => {
  const start = serverFactory('memory', useTestRedis());

  it('carries REST calls and their refusals, with JSON bodies and answer headers', async () => {
    const server = await start();
    const http = new CaptureHttp({ baseUrl: server.url(), credential: { apiKey: server.config.auth.adminApiKey }, fetch: nodeHttpFetch() });
    const minted = await http.deviceToken('D1', 'dashboard');
    expect(minted.deviceType).toBe('dashboard');
    const asDashboard = http.as({ token: minted.token });
    await expect(asDashboard.sessions.get('nope')).rejects.toMatchObject({ status: 404 });
    const answer = await http.send('GET', '/no-such-route');
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/json/);
  });

  it('uploads parts from bytes and from a stream source, stored byte for byte', async () => {
    const server = await start();
    const file = randomFile(2 * 10 * MiB + 4321);
    const http = new CaptureHttp({
      baseUrl: server.url(),
      credential: { token: server.tokens.sign('H1', 'headset') },
      fetch: nodeHttpFetch(),
    });
    const fromBytes = await uploadFile(http, { timestamp: '20260206_143052', fileType: 'video', size: file.length, source: file });
    expect(sha256(readFileSync(path.join(server.config.storage.dataDir, fromBytes.s3Key)))).toBe(sha256(file));
    // A Node Readable per part: sent with the Content-Length the client gives it.
    const fromStream = await uploadFile(http, {
      timestamp: '20260206_151230',
      fileType: 'video',
      size: file.length,
      source: (start, end) => Readable.from([file.subarray(start, start + 1000), file.subarray(start + 1000, end)]),
    });
    expect(sha256(readFileSync(path.join(server.config.storage.dataDir, fromStream.s3Key)))).toBe(sha256(file));
  });

  it('rejects with the signal reason when aborted', async () => {
    const server = await start();
    const controller = new AbortController();
    const reason = new Error('stopped by the caller');
    controller.abort(reason);
    await expect(nodeHttpFetch()(`${server.url()}/health`, { signal: controller.signal })).rejects.toBe(reason);
  });
});

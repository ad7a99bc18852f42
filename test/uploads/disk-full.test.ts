import { mkdtempSync, readdirSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { testConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { LocalStorage } from '../../src/storage';
import { injectDiskFailures } from '../helpers/failing-disk';
import { captureLog } from '../helpers/log-capture';
import { MiB, randomFile, startUploadServer } from './upload-client';

/** Disk full or failing while recordings arrive (issue 17, 12). */

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-disk-'));
  const storage = new LocalStorage(dataDir, { signingSecret: testConfig().auth.jwtSecret });
  const disk = injectDiskFailures(storage);
  const logs = captureLog();
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  const started = await startUploadServer(env, { storage, logger: createLogger(testConfig(env), logs.stream) });
  servers.push(started.server);
  return { ...started, disk, logs, dataDir };
}

async function metric(server: CaptureServer, pattern: RegExp): Promise<number | undefined> {
  const match = pattern.exec(await (await fetch(`${server.url()}/metrics`)).text());
  return match ? Number(match[1]) : undefined;
}

const failedRequests = (logs: ReturnType<typeof captureLog>) =>
  logs.lines().filter((r) => r.level !== undefined && r.level >= 40 && JSON.stringify(r).includes('ENOSPC'));

describe('a full or failing disk', () => {
  it('answers a part PUT hitting ENOSPC with 507, logs it and counts it; the part can be sent again once there is space', async () => {
    const { server, client, disk, logs } = await setup();
    const file = randomFile(256 * 1024);
    const start = await client.start(file.length);
    disk.failing = 'ENOSPC';
    const refused = await client.putPart(start.presignedUrls[0]!.url, file);
    expect(refused.status).toBe(507);
    expect(JSON.parse(refused.body)).toEqual({ ok: false, code: 'storage_full', error: 'storage is full; try again once space is freed' });
    expect(failedRequests(logs)).not.toEqual([]);
    expect(await metric(server, /turing_upload_errors_total\{error_type="storage_full"\} (\d+)/)).toBe(1);

    disk.failing = undefined;
    const parts = await client.putAll(start, file);
    expect((await client.complete(start, parts)).status).toBe(200);
  });

  it('answers a start hitting ENOSPC with 507 and leaves no folder under .multipart (issue 37)', async () => {
    const { client, dataDir, disk } = await setup();
    disk.failing = 'ENOSPC';
    const refused = await client.call('POST', '/chunked-upload/start', { timestamp: '20260206_143052', fileType: 'video', fileSize: MiB });
    expect(refused.status).toBe(507);
    expect(refused.body).toMatchObject({ ok: false, code: 'storage_full' });
    disk.failing = undefined;
    expect(readdirSync(path.join(dataDir, '.multipart'))).toEqual([]);
    // With space again the same start works.
    expect((await client.start(MiB)).uploadId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers a part PUT hitting EIO with 503', async () => {
    const { client, disk } = await setup();
    const start = await client.start(MiB);
    disk.failing = 'EIO';
    const refused = await client.putPart(start.presignedUrls[0]!.url, randomFile(MiB));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({ ok: false, code: 'storage_unavailable', error: 'storage failed to write; try again later' });
  });

  it('answers a legacy upload hitting ENOSPC with 507 and logs it', async () => {
    const { server, client, disk, logs } = await setup();
    disk.failing = 'ENOSPC';
    const body = new FormData();
    body.append('timestamp', '20260206_151230');
    body.append('video', new Blob([randomFile(256 * 1024)]), 'recording.mp4');
    const res = await fetch(`${server.url()}/upload-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}` },
      body,
    });
    expect(res.status).toBe(507);
    expect(await res.json()).toEqual({ ok: false, code: 'storage_full', error: 'storage is full; try again once space is freed' });
    expect(failedRequests(logs)).not.toEqual([]);
  });

  it('reports free space in /health and as turing_storage_free_bytes', async () => {
    const { server, dataDir } = await setup();
    const fs = statfsSync(dataDir);
    const expected = fs.bavail * fs.bsize;
    const health = (await (await fetch(`${server.url()}/health`)).json()) as { storage: { freeBytes?: number } };
    // Other processes write to the same disk meanwhile: within 1 GiB.
    expect(Math.abs(health.storage.freeBytes! - expected)).toBeLessThan(1024 * MiB);
    const gauge = await metric(server, /^turing_storage_free_bytes (\d+)$/m);
    expect(Math.abs(gauge! - expected)).toBeLessThan(1024 * MiB);
  });
});

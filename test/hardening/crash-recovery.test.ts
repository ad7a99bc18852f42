import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { askUncheckedWithin, connected, connectSocket } from '@capture-backend/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, connectClient, eventually, type Client } from '../helpers/clients';
import { runServer, waitFor, type ChildServer } from '../helpers/child-server';
import { freePort } from '../helpers/redis-server';
import { useTestRedis } from '../helpers/test-server';
import { MiB, randomFile, sha256, slice, UploadClient, type SignedParts } from '../uploads/upload-client';

/**
 * SIGKILL (no shutdown, no cleanup) of a real server process in the middle of
 * a recording session and of an upload part, then a new process on the same
 * Redis and DATA_DIR: what the fleet sees must carry on where it stopped.
 */
const JWT_SECRET = 'crash-jwt-secret-that-is-long-enough-0123456789';
const ADMIN_API_KEY = 'crash-admin-api-key-0123456789';
const redis = useTestRedis();
const children: ChildServer[] = [];
const sockets: Client[] = [];
afterEach(() => {
  closeAllClients();
  for (const s of sockets.splice(0)) s.close();
});
afterAll(() => {
  for (const c of children) c.child.kill('SIGKILL');
});

async function startProcess(env: Record<string, string>, base: string): Promise<ChildServer> {
  const child = runServer(env);
  children.push(child);
  expect((await waitFor(`${base}/health`)).status).toBe(200);
  return child;
}

/** Sends the first half of a part and then stalls, as a headset on flaky Wi-Fi would while the server dies. */
function stalledPut(url: string, bytes: Buffer): Promise<void> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({
      host: hostname,
      port,
      method: 'PUT',
      path: pathname + search,
      headers: { 'content-length': bytes.length },
      agent: false,
    });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    req.write(bytes.subarray(0, bytes.length / 2), () => resolve());
  });
}

describe('crash recovery (Redis store, local storage)', () => {
  it('after SIGKILL mid-session and mid-upload, a new process keeps sessions and locks, the tablet reconnects holding them, and the upload completes from its stored parts', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-crash-'));
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: redis().uniquePrefix(),
      JWT_SECRET,
      ADMIN_API_KEY,
    };
    const tokens = new TokenService(JWT_SECRET, '1h');
    const first = await startProcess(env, base);
    const server = { url: () => base } as CaptureServer;

    // A tablet that reconnects by itself, as the operator's app does.
    const tablet: Client = connectSocket(base, {
      token: tokens.sign('TABLET_A', 'tablet'),
      socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
    });
    sockets.push(tablet);
    let connects = 0;
    const statuses: unknown[] = [];
    tablet.on('connect', () => connects++);
    tablet.on('on-headset-status-updated', (data, deviceId) => statuses.push([data, deviceId]));
    await connected(tablet);
    const ask = (event: string, ...args: unknown[]) => askUncheckedWithin(tablet, 5_000, event, ...args);

    const headset = await connectClient(server, { token: tokens.sign('QUEST_001', 'headset') });
    expect((await headset.ask('headset-identify', 'QUEST_001')).ok).toBe(true);
    expect((await ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    const created = await ask('tablet-create-session', { deviceIds: ['QUEST_001'], metadata: { participant: 'P7' } });
    expect(created.ok).toBe(true);
    const sessionId = created.sessionId as string;
    expect((await ask('tablet-start-session', sessionId)).ok).toBe(true);

    // An upload with part 1 stored and part 2 half sent when the process dies.
    const uploader = new UploadClient(server, tokens.sign('QUEST_001', 'headset'));
    const file = randomFile(25 * MiB);
    const started = await uploader.start(file.length, { sessionId });
    const [part1] = await uploader.putAll(started, file, [1]);
    await stalledPut(started.presignedUrls[1]!.url, slice(file, started.chunkSize, 2));

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    await startProcess(env, base);

    // The tablet is back on its own and still holds its lock: it hears its headset without
    // locking again, and another tablet cannot take the headset.
    await eventually(() => expect(connects).toBe(2), 15_000);
    const back = await connectClient(server, { token: tokens.sign('QUEST_001', 'headset') });
    expect((await back.ask('headset-identify', 'QUEST_001')).ok).toBe(true);
    expect((await back.ask('headset-status', 'battery fine')).ok).toBe(true);
    await eventually(() => expect(statuses).toContainEqual(['battery fine', 'QUEST_001']));
    const other = await connectClient(server, { token: tokens.sign('TABLET_B', 'tablet') });
    const refused = await other.ask('tablet-lock-device', 'QUEST_001');
    expect(refused.ok).toBe(false);
    expect((await ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    const active = await ask('tablet-get-active-session');
    expect(active.session).toMatchObject({ sessionId, status: 'recording', deviceIds: ['QUEST_001'], metadata: { participant: 'P7' } });

    // The store as operators see it.
    const admin = { 'x-api-key': ADMIN_API_KEY };
    const session = (await (await fetch(`${base}/api/sessions/${sessionId}`, { headers: admin })).json()) as { session: unknown };
    expect(session.session).toMatchObject({ sessionId, tabletId: 'TABLET_A', status: 'recording' });
    const devices = (await (await fetch(`${base}/api/devices`, { headers: admin })).json()) as { devices: Array<{ deviceId: string }> };
    expect(devices.devices.find((d) => d.deviceId === 'QUEST_001')).toMatchObject({ isLocked: true, lockedByTabletId: 'TABLET_A' });

    // The upload resumes from what was stored: part 1 only, the half-sent part 2 left no trace.
    const ref = `uploadId=${encodeURIComponent(started.uploadId)}&s3Key=${encodeURIComponent(started.s3Key)}`;
    const listed = await uploader.call('GET', `/chunked-upload/parts?${ref}`);
    expect(listed.status).toBe(200);
    expect(listed.body.parts).toEqual([expect.objectContaining({ partNumber: 1, etag: part1!.etag })]);
    const signed = await uploader.call<SignedParts>('POST', '/chunked-upload/sign-parts', {
      uploadId: started.uploadId,
      s3Key: started.s3Key,
      partNumbers: [2, 3],
    });
    expect(signed.status).toBe(200);
    const rest = await uploader.putAll({ ...started, presignedUrls: signed.body.presignedUrls }, file);
    const done = await uploader.complete(started, [part1!, ...rest]);
    expect(done.status).toBe(200);
    expect(sha256(readFileSync(path.join(dataDir, started.s3Key)))).toBe(sha256(file));
  }, 60_000);
});

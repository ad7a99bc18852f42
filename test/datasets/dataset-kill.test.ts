import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { TokenService } from '../../src/auth';
import { LocalStorage } from '../../src/storage';
import { runServer, waitFor, type ChildServer } from '../helpers/child-server';
import { freePort } from '../helpers/redis-server';
import { startServer, useTestRedis } from '../helpers/test-server';
import { api, readTree, stamp, uploadTake, verified, waitForDataset, type DatasetDetail } from './dataset-helpers';

/**
 * SIGKILL of a real server process in the middle of a dataset build (no
 * shutdown, no lease release), then another process on the same Redis and
 * DATA_DIR: once the dead builder's lease lapses the build resumes where it
 * stopped, every object the killed process had stored is kept as it was (no
 * episode written twice), and the result is what an uninterrupted build makes.
 */
vi.setConfig({ testTimeout: 120_000 });
const JWT_SECRET = 'dataset-kill-jwt-secret-long-enough-0123456789';
const ADMIN_API_KEY = 'dataset-kill-admin-key-0123456789';
const redis = useTestRedis();
const children: ChildServer[] = [];
const closing: Array<{ close(): Promise<unknown> }> = [];
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await Promise.all(closing.map((c) => c.close()));
});

describe('a dataset build killed with SIGKILL (Redis store, local storage)', () => {
  it('resumes in another process after the lease lapses, keeping what was stored and writing the rest once', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-dataset-kill-'));
    const prefix = redis().uniquePrefix();
    const env = {
      DATA_DIR: dataDir,
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET,
      ADMIN_API_KEY,
      DATASET_LEASE_SECONDS: '2',
    };
    const child = runServer({ ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test' });
    children.push(child);
    expect((await waitFor(`${base}/health`)).status).toBe(200);
    const first = {
      url: () => base,
      tokens: new TokenService(JWT_SECRET, '1h'),
      config: { auth: { adminApiKey: ADMIN_API_KEY } },
    } as unknown as CaptureServer;

    const takes: string[] = [];
    for (let i = 0; i < 8; i++)
      takes.push(await uploadTake(first, { deviceId: `K${i}`, timestamp: stamp(i), video: 'good.mp4', data: 'good.npz' }));
    await verified(first, takes);
    const request = (name: string) => ({ name, format: 'lerobot-v3', task: 'pick', filter: { deviceIds: takes.map((t) => t.slice(16)) } });
    const created = await api<{ dataset: DatasetDetail }>(first, 'POST', '/api/datasets', request('killed'));
    expect(created.status).toBe(200);
    const { datasetId, location } = created.body.dataset;

    // Killed as soon as two steps are stored: mid-way through the takes, possibly mid-step.
    const watcher = new Redis(redis().url);
    closing.push({ close: () => watcher.quit() });
    for (const deadline = Date.now() + 30_000; (await watcher.hlen(`${prefix}dataset:${datasetId}:steps`)) < 2;) {
      if (Date.now() > deadline) throw new Error('the build never got going');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.child.kill('SIGKILL');
    await child.exited;
    const stored = await watcher.hlen(`${prefix}dataset:${datasetId}:steps`);
    expect(stored).toBeLessThan(takes.length);
    const before = new Map<string, { mtimeMs: number; ino: number }>();
    for (const object of await keysUnder(dataDir, location)) before.set(object, statOf(dataDir, object));

    const second = await startServer({ env: { ...env } });
    closing.push(second);
    const done = await waitForDataset(second, datasetId, 'ready', 60_000);
    expect(done.episodes.map((e) => e.recordingId)).toEqual(takes);
    for (const [key, was] of before) expect(statOf(dataDir, key), key).toEqual(was);

    const reference = await waitForDataset(
      second,
      (await api<{ dataset: DatasetDetail }>(second, 'POST', '/api/datasets', request('uninterrupted'))).body.dataset.datasetId,
    );
    const want = await readTree(second.storage, reference.location);
    const got = await readTree(second.storage, location);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, bytes] of want) if (key !== 'provenance.json') expect(got.get(key)!.equals(bytes), key).toBe(true);
  });
});

async function keysUnder(dataDir: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of new LocalStorage(dataDir).listObjects(prefix)) keys.push(object.key);
  return keys;
}

function statOf(dataDir: string, key: string) {
  const s = statSync(path.join(dataDir, key));
  return { mtimeMs: s.mtimeMs, ino: s.ino };
}

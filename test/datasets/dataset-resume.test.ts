import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CaptureServer } from '../../src/app';
import type { Env } from '../../src/config';
import { LocalStorage, S3Storage, type ObjectStorage } from '../../src/storage';
import { closeAllClients } from '../helpers/clients';
import { startS3Server, type TestS3 } from '../helpers/s3-server';
import { startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { api, readTree, stamp, STORAGE_KINDS, uploadTake, verified, waitForDataset, type DatasetDetail } from './dataset-helpers';

/**
 * A build stopped mid-way (here: storage failing right after an episode's data
 * file was stored, before the step was recorded) resumes where it stopped: the
 * result is byte for byte what an uninterrupted build of the same takes makes,
 * and no object is written twice. The SIGKILL of a real process is in
 * dataset-kill.test.ts.
 */
vi.setConfig({ testTimeout: 90_000 });
const redis = useTestRedis();
let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});
const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A real driver that counts writes per key and fails once, right after storing `failAfter`. */
function faultyStorage(inner: ObjectStorage, failAfter: string) {
  const writes = new Map<string, number>();
  let failed = false;
  const count = (key: string) => writes.set(key, (writes.get(key) ?? 0) + 1);
  const storage = new Proxy(inner, {
    get(target, property) {
      if (property === 'putObjectStream')
        return async (...args: Parameters<ObjectStorage['putObjectStream']>) => {
          const out = await target.putObjectStream(...args);
          count(args[0]);
          if (args[0] === failAfter && !failed) {
            failed = true;
            throw new Error('storage went away right after this write');
          }
          return out;
        };
      if (property === 'copyObject')
        return async (from: string, to: string) => {
          const out = await target.copyObject(from, to);
          count(to);
          return out;
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { storage, writes, failed: () => failed };
}

describe.each(STORE_KINDS.flatMap((store) => STORAGE_KINDS.map((storage) => [store, storage] as const)))(
  'a dataset build stopped mid-way (%s store, %s storage)',
  (storeKind, storageKind) => {
    it('resumes to the same bytes as an uninterrupted build, writing no object twice', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-resume-'));
      const tag = `${storeKind[0]}${storageKind[0]}`;
      const inner: ObjectStorage =
        storageKind === 'local'
          ? new LocalStorage(dataDir)
          : new S3Storage({
              bucket: s3.bucket,
              region: 'us-east-1',
              endpoint: s3.endpoint,
              forcePathStyle: true,
              credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
            });
      const name = `resumed-${tag}`;
      const fault = faultyStorage(inner, `datasets/${name}/v1/data/chunk-000/file-001.parquet`);
      const env: Env = {
        DATA_DIR: dataDir,
        ...(storeKind === 'redis' ? { REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().uniquePrefix() } : {}),
      };
      const server = await startServer({ env, storage: fault.storage });
      servers.push(server);
      const takes: string[] = [];
      for (let i = 0; i < 4; i++)
        takes.push(await uploadTake(server, { deviceId: `R${tag}${i}`, timestamp: stamp(i), video: 'good.mp4', data: 'good.npz' }));
      await verified(server, takes);
      const request = (n: string) => ({
        name: n,
        format: 'lerobot-v3',
        task: 'pick',
        filter: { deviceIds: takes.map((t) => t.slice(16)) },
      });

      const reference = await waitForDataset(
        server,
        (await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', request(`reference-${tag}`))).body.dataset.datasetId,
      );
      const created = await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', request(name));
      const resumed = await waitForDataset(server, created.body.dataset.datasetId);
      expect(fault.failed()).toBe(true);
      expect(resumed.episodes.map((e) => e.recordingId)).toEqual(takes);

      const want = await readTree(server.storage, reference.location);
      const got = await readTree(server.storage, resumed.location);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, bytes] of want) if (key !== 'provenance.json') expect(got.get(key)!.equals(bytes), key).toBe(true);
      const episodes = (tree: Map<string, Buffer>) =>
        (JSON.parse(tree.get('provenance.json')!.toString()) as { episodes: unknown[] }).episodes;
      expect(episodes(got)).toEqual(episodes(want));
      // The step that failed was done again, but found its video and data file stored whole and kept them.
      const written = [...fault.writes].filter(([key]) => key.startsWith(resumed.location));
      expect(written.length).toBe(want.size);
      for (const [key, times] of written) expect(times, key).toBe(1);
    });
  },
);

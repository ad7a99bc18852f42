import { createHash } from 'node:crypto';
import { readNpz } from '../../src/quality/npz-reader';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectClient } from '../helpers/clients';
import { startS3Server, type TestS3 } from '../helpers/s3-server';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import {
  api,
  fixture,
  queryParquet,
  readTree,
  stamp,
  STORAGE_KINDS,
  storageEnv,
  uploadTake,
  verified,
  waitForDataset,
  type DatasetDetail,
} from './dataset-helpers';

/**
 * Issue 34 end to end, on both stores and both storage drivers: takes uploaded
 * as headsets do, verified by the integrity gate, selected by a filter and
 * built into a LeRobotDataset v3.0 version, read back with DuckDB.
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
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const parquetFiles = (tree: Map<string, Buffer>) => new Map([...tree].filter(([k]) => k.endsWith('.parquet')));

describe.each(STORE_KINDS.flatMap((store) => STORAGE_KINDS.map((storage) => [store, storage] as const)))(
  'datasets (%s store, %s storage)',
  (storeKind, storageKind) => {
    const make = serverFactory(storeKind, redis);
    const start = () => make(storageEnv(storageKind, () => s3));
    // s3rver's bucket is shared by the cases of this file: each case has devices (so keys) of its own.
    let caseNo = 0;
    const device = (n: number) => `D${storeKind[0]}${storageKind[0]}${caseNo}x${n}`;

    it('builds exactly the right episodes from a mixed selection, consistent across data, episodes, info, stats and provenance', async () => {
      caseNo = 1;
      const server = await start();
      const good1 = await uploadTake(server, { deviceId: device(1), timestamp: stamp(0), video: 'good.mp4', data: 'good.npz' });
      const failed = await uploadTake(server, { deviceId: device(2), timestamp: stamp(1), video: 'short.mp4', data: 'good.npz' });
      const fps24 = await uploadTake(server, { deviceId: device(3), timestamp: stamp(2), video: 'good24.mp4', data: 'good24.npz' });
      const discarded = await uploadTake(server, { deviceId: device(4), timestamp: stamp(3), video: 'good.mp4', data: 'good.npz' });
      const good2 = await uploadTake(server, { deviceId: device(5), timestamp: stamp(4), video: 'good.mp4', data: 'good.npz' });
      await verified(server, [good1, failed, fps24, discarded, good2]);
      expect((await api(server, 'PATCH', `/api/recordings/${discarded}`, { decision: 'discard' })).status).toBe(200);

      const created = await api<{ ok: boolean; dataset: DatasetDetail }>(server, 'POST', '/api/datasets', {
        name: 'pick-place',
        description: 'pick up the cube and place it in the bowl',
        format: 'lerobot-v3',
        filter: { deviceIds: [1, 2, 3, 4, 5].map(device) },
      });
      expect(created.status).toBe(200);
      expect(created.body.dataset).toMatchObject({ name: 'pick-place', version: 1, fps: 30, progress: { done: 0, total: 3 } });
      const ds = await waitForDataset(server, created.body.dataset.datasetId);

      expect(ds.episodes.map((e) => [e.episodeIndex, e.recordingId, e.frames, e.datasetFromIndex, e.datasetToIndex])).toEqual([
        [0, good1, 90, 0, 90],
        [1, good2, 90, 90, 180],
      ]);
      const reasons = Object.fromEntries(ds.leftOut.map((l) => [l.recordingId, l.reason]));
      expect(Object.keys(reasons).sort()).toEqual([discarded, failed, fps24].sort());
      expect(reasons[failed]).toBe('verdict fail; the dataset takes pass');
      expect(reasons[discarded]).toBe('discarded');
      expect(reasons[fps24]).toBe('video runs at 24 fps, the dataset at 30 fps');
      expect(ds).toMatchObject({ episodeCount: 2, frameCount: 180, progress: { done: 3, total: 3 }, location: 'datasets/pick-place/v1/' });

      const tree = await readTree(server.storage, ds.location);
      expect([...tree.keys()].sort()).toEqual([
        'data/chunk-000/file-000.parquet',
        'data/chunk-000/file-001.parquet',
        'meta/episodes/chunk-000/file-000.parquet',
        'meta/info.json',
        'meta/stats.json',
        'meta/tasks.parquet',
        'provenance.json',
        'videos/observation.images.ego/chunk-000/file-000.mp4',
        'videos/observation.images.ego/chunk-000/file-001.mp4',
      ]);
      // The MP4s as uploaded, byte for byte.
      for (const e of ds.episodes) {
        expect(tree.get(e.videoFile)!.equals(fixture('good.mp4'))).toBe(true);
        expect(sha256(tree.get(e.videoFile)!)).toBe(e.sha256.video);
      }

      const files = parquetFiles(tree);
      const [totals] = await queryParquet<Record<string, bigint | number>>(
        files,
        (
          d,
        ) => `select count(*) n, count(distinct "index") ids, min("index") lo, max("index") hi, max(abs(timestamp - frame_index / 30.0)) drift,
                max(task_index) task, sum(case when frame_index = 0 then 1 else 0 end) starts
                from read_parquet('${d}/data/*/*.parquet')`,
      );
      expect(totals).toEqual({ n: 180n, ids: 180n, lo: 0n, hi: 179n, drift: expect.any(Number), task: 0n, starts: 2n });
      expect(totals!.drift as number).toBeLessThan(1e-5);
      // Each data file is one episode, its frame and dataset indices where the episodes table says.
      const perEpisode = await queryParquet<Record<string, bigint>>(
        files,
        (d) => `select e.episode_index, e.length, e.dataset_from_index, e.dataset_to_index, e."data/file_index" f,
                  min(x."index") lo, max(x."index") + 1 hi, count(*) n, max(x.frame_index) lastf
                from read_parquet('${d}/meta/episodes/*/*.parquet') e join read_parquet('${d}/data/*/*.parquet') x using (episode_index)
                group by all order by 1`,
      );
      expect(perEpisode).toEqual([
        { episode_index: 0n, length: 90n, dataset_from_index: 0n, dataset_to_index: 90n, f: 0n, lo: 0n, hi: 90n, n: 90n, lastf: 89n },
        { episode_index: 1n, length: 90n, dataset_from_index: 90n, dataset_to_index: 180n, f: 1n, lo: 90n, hi: 180n, n: 90n, lastf: 89n },
      ]);
      const [episode] = await queryParquet<Record<string, unknown>>(
        files,
        (d) => `select tasks, "videos/observation.images.ego/file_index" vf, "videos/observation.images.ego/from_timestamp" t0,
                "videos/observation.images.ego/to_timestamp" t1, "provenance/recording_id" rid from read_parquet('${d}/meta/episodes/*/*.parquet') where episode_index = 1`,
      );
      expect(episode).toEqual({ tasks: ['pick up the cube and place it in the bowl'], vf: 1n, t0: 0, t1: 3, rid: good2 });
      // The columns' types, and the tracking values as the NPZ holds them (read by the QA reader, not the build's).
      const types = Object.fromEntries(
        (
          await queryParquet<{ column_name: string; column_type: string }>(
            files,
            (d) => `describe select * from '${d}/data/chunk-000/file-000.parquet'`,
          )
        ).map((c) => [c.column_name, c.column_type]),
      );
      expect(types).toMatchObject({
        'tracking.left_confidence': 'FLOAT',
        'tracking.left_tracked': 'BOOLEAN',
        timestamp: 'FLOAT',
        index: 'BIGINT',
      });
      const npz = await readNpz(Readable.from([fixture('good.npz')]), { maxBytes: 1e8 });
      const left = await queryParquet<{ v: number }>(
        files,
        (d) => `select "tracking.left_confidence" v from '${d}/data/chunk-000/file-001.parquet' order by frame_index`,
      );
      expect(Float32Array.from(left.map((r) => r.v))).toEqual(npz.get('left_confidence')!.data);

      const [task] = await queryParquet<Record<string, unknown>>(files, (d) => `select * from '${d}/meta/tasks.parquet'`);
      expect(task).toEqual({ task_index: 0n, task: 'pick up the cube and place it in the bowl' });
      const [pandas] = await queryParquet<{ v: string }>(
        files,
        (d) => `select decode(value) AS v from parquet_kv_metadata('${d}/meta/tasks.parquet')`,
      );
      expect(JSON.parse(pandas!.v)).toMatchObject({ index_columns: ['task'] });

      const info = JSON.parse(tree.get('meta/info.json')!.toString()) as Record<string, unknown> & { features: Record<string, unknown> };
      expect(info).toMatchObject({
        codebase_version: 'v3.0',
        fps: 30,
        total_episodes: 2,
        total_frames: 180,
        total_tasks: 1,
        chunks_size: 1000,
        splits: { train: '0:2' },
      });
      expect(info.features['observation.images.ego']).toMatchObject({
        dtype: 'video',
        shape: [48, 64, 3],
        info: { 'video.codec': 'h264', 'video.fps': 30 },
      });
      expect(info.features['tracking.left_confidence']).toEqual({ dtype: 'float32', shape: [1], names: null });
      expect(info.features['tracking.hand_speed_exceeded']).toEqual({ dtype: 'bool', shape: [1], names: null });
      for (const name of ['timestamp', 'frame_index', 'episode_index', 'index', 'task_index']) expect(info.features[name]).toBeDefined();
      const stats = JSON.parse(tree.get('meta/stats.json')!.toString()) as Record<string, Record<string, number[]>>;
      expect(stats.index).toEqual({ min: [0], max: [179], mean: [89.5], std: [expect.closeTo(51.96, 2)], count: [180] });
      expect(stats['tracking.right_confidence']!.mean![0]).toBeCloseTo(0.9, 6);
      expect(stats.timestamp!.max![0]).toBeCloseTo(89 / 30, 5);

      const provenance = JSON.parse(tree.get('provenance.json')!.toString()) as {
        episodes: Array<Record<string, unknown>>;
        leftOut: Array<{ recordingId: string }>;
        name: string;
      };
      const record = (
        await api<{ recording: { files: { data: { sha256: string } }; qaScore: number } }>(server, 'GET', `/api/recordings/${good2}`)
      ).body.recording;
      expect(provenance.name).toBe('pick-place');
      expect(provenance.episodes[1]).toMatchObject({
        episodeIndex: 1,
        recordingId: good2,
        deviceId: device(5),
        verdict: 'pass',
        qaScore: record.qaScore,
        appVersion: '2.3.1',
        sha256: { video: sha256(fixture('good.mp4')), data: record.files.data.sha256 },
        builtBy: server.config.version,
        dataFile: 'data/chunk-000/file-001.parquet',
      });
      expect(provenance.leftOut.map((l) => l.recordingId).sort()).toEqual([discarded, failed, fps24].sort());
    });

    it('makes a second build of the same name v2 and leaves v1 untouched', async () => {
      caseNo = 2;
      const server = await start();
      const first = await uploadTake(server, { deviceId: device(1), timestamp: stamp(0), video: 'good.mp4', data: 'good.npz' });
      await verified(server, [first]);
      const body = { name: 'lab-v', format: 'lerobot-v3', filter: { deviceIds: [device(1), device(2)] } };
      const v1 = await waitForDataset(
        server,
        (await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', body)).body.dataset.datasetId,
      );
      const before = await readTree(server.storage, v1.location);

      const second = await uploadTake(server, { deviceId: device(2), timestamp: stamp(1), video: 'good.mp4', data: 'good.npz' });
      await verified(server, [second]);
      const created = await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', body);
      expect(created.body.dataset).toMatchObject({ version: 2, location: 'datasets/lab-v/v2/' });
      const v2 = await waitForDataset(server, created.body.dataset.datasetId);
      expect(v2.episodes.map((e) => e.recordingId)).toEqual([first, second]);

      const after = await readTree(server.storage, v1.location);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [key, bytes] of before) expect(after.get(key)!.equals(bytes), key).toBe(true);
      expect(await waitForDataset(server, v1.datasetId)).toMatchObject({ version: 1, episodeCount: 1 });
      const list = await api<{ datasets: DatasetDetail[] }>(server, 'GET', '/api/datasets');
      expect(list.body.datasets.map((d) => [d.name, d.version])).toEqual([
        ['lab-v', 2],
        ['lab-v', 1],
      ]);

      // Deleting v1 removes its objects and record; v2 stays, and a new build is v3 (versions are never reused).
      expect((await api(server, 'DELETE', `/api/datasets/${v1.datasetId}`)).body).toEqual({
        ok: true,
        datasetId: v1.datasetId,
        deleted: true,
      });
      expect((await readTree(server.storage, v1.location)).size).toBe(0);
      expect((await api(server, 'GET', `/api/datasets/${v1.datasetId}`)).status).toBe(404);
      expect((await readTree(server.storage, v2.location)).size).toBe(9);
      expect((await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', body)).body.dataset.version).toBe(3);
    });
  },
);

describe.each(STORE_KINDS)('dataset requests (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('answers an empty selection with a 400 empty_selection naming what was left out, and stores nothing', async () => {
    const server = await make();
    const failed = await uploadTake(server, { deviceId: 'E1', timestamp: stamp(0), video: 'short.mp4', data: 'good.npz' });
    await verified(server, [failed]);
    const nothing = await api(server, 'POST', '/api/datasets', { name: 'none', format: 'lerobot-v3', filter: { deviceIds: ['NOBODY'] } });
    expect(nothing).toMatchObject({ status: 400, body: { ok: false, code: 'empty_selection' } });
    const onlyFailed = await api(server, 'POST', '/api/datasets', { name: 'none', format: 'lerobot-v3', filter: { deviceIds: ['E1'] } });
    expect(onlyFailed).toMatchObject({
      status: 400,
      body: { code: 'empty_selection', details: { leftOut: [{ recordingId: failed, reason: 'verdict fail; the dataset takes pass' }] } },
    });
    // The failed take itself, asked for by verdict, is a selection (the build then decides what it makes).
    const asked = await api(server, 'POST', '/api/datasets', {
      name: 'fails',
      format: 'lerobot-v3',
      filter: { deviceIds: ['E1'], verdict: 'fail' },
    });
    expect(asked.status).toBe(200);
    const failedBuild = await waitForDataset(server, (asked.body as { dataset: DatasetDetail }).dataset.datasetId, 'failed');
    expect(failedBuild.leftOut).toEqual([{ recordingId: failed, reason: 'video has 60 frames, tracking data 90 rows' }]);
    expect((await api<{ datasets: unknown[] }>(server, 'GET', '/api/datasets')).body.datasets).toHaveLength(1);
    // Malformed requests are refused before anything is read.
    for (const bad of [
      { name: '../x', format: 'lerobot-v3' },
      { name: 'x', format: 'hdf5' },
      { name: 'x', format: 'lerobot-v3', filter: { nope: 1 } },
    ])
      expect(await api(server, 'POST', '/api/datasets', bad)).toMatchObject({ status: 400, body: { code: 'invalid' } });
  });

  it('lets the admin key and dashboards in, refuses anonymous callers and other roles, and tells dashboards the progress', async () => {
    const server = await make();
    const take = await uploadTake(server, { deviceId: 'A1', timestamp: stamp(0), video: 'good.mp4', data: 'good.npz' });
    await verified(server, [take]);
    const dashboard = await connectClient(server, { deviceId: 'dash', deviceType: 'dashboard' });
    expect((await dashboard.ask('dashboard-subscribe', {})).ok).toBe(true);
    const as = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/api/datasets', { name: 'auth', format: 'lerobot-v3', filter: { deviceIds: ['A1'] } }],
      ['GET', '/api/datasets'],
      ['GET', '/api/datasets/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/api/datasets/00000000-0000-4000-8000-000000000000'],
    ];
    for (const [method, route, body] of routes) {
      expect((await api(server, method, route, body, as())).body).toMatchObject({ code: 'unauthenticated' });
      expect((await api(server, method, route, body, as(server.tokens.sign('T1', 'tablet')))).body).toMatchObject({ code: 'role' });
      expect((await api(server, method, route, body, as(server.tokens.sign('H1', 'headset')))).body).toMatchObject({ code: 'role' });
    }
    const created = await api<{ dataset: DatasetDetail }>(
      server,
      'POST',
      routes[0]![1],
      routes[0]![2],
      as(server.tokens.sign('dash', 'dashboard')),
    );
    expect(created.status).toBe(200);
    const { datasetId } = created.body.dataset;
    expect(created.body.dataset).toMatchObject({ createdBy: { kind: 'dashboard', id: 'dash' } });
    const [ready] = await dashboard.next('on-dataset-progress', (p) => p.datasetId === datasetId && p.state === 'ready', 20_000);
    expect(ready).toEqual({ datasetId, name: 'auth', version: 1, state: 'ready', done: 1, total: 1 });
    expect(dashboard.received.some((r) => r.event === 'on-dataset-progress' && (r.args[0] as { state: string }).state === 'queued')).toBe(
      true,
    );
    expect((await api(server, 'GET', '/api/datasets/not-a-uuid')).body).toMatchObject({ code: 'invalid' });
    expect((await api(server, 'GET', '/api/datasets/00000000-0000-4000-8000-000000000000')).body).toMatchObject({ code: 'not_found' });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { api, queryParquet, readTree, stamp, uploadTake, verified, waitForDataset, type DatasetDetail } from './dataset-helpers';

/**
 * Per-frame arrays beyond one value a frame: a float64 vector becomes float32
 * of its shape, a matrix nested lists; a take whose arrays differ from the
 * dataset's first episode is left out, never merged.
 */
vi.setConfig({ testTimeout: 60_000 });
const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('dataset features from the NPZ', () => {
  it('writes vectors and matrices as float32 lists of their shape, with stats of that shape, and leaves out a take with other arrays', async () => {
    const server = await startServer();
    servers.push(server);
    const a = await uploadTake(server, { deviceId: 'V1', timestamp: stamp(0), video: 'good.mp4', data: 'vectors.npz' });
    const plain = await uploadTake(server, { deviceId: 'V2', timestamp: stamp(1), video: 'good.mp4', data: 'good.npz' });
    const b = await uploadTake(server, { deviceId: 'V3', timestamp: stamp(2), video: 'good.mp4', data: 'vectors.npz' });
    await verified(server, [a, plain, b]);
    const created = await api<{ dataset: DatasetDetail }>(server, 'POST', '/api/datasets', { name: 'vectors', format: 'lerobot-v3' });
    const ds = await waitForDataset(server, created.body.dataset.datasetId);
    expect(ds.episodes.map((e) => e.recordingId)).toEqual([a, b]);
    expect(ds.leftOut).toEqual([
      { recordingId: plain, reason: "tracking arrays differ from the dataset's: missing pose (float 2x3), wrist_position (float 3)" },
    ]);

    const tree = await readTree(server.storage, ds.location);
    const info = JSON.parse(tree.get('meta/info.json')!.toString()) as { features: Record<string, unknown> };
    expect(info.features['tracking.wrist_position']).toEqual({ dtype: 'float32', shape: [3], names: null });
    expect(info.features['tracking.pose']).toEqual({ dtype: 'float32', shape: [2, 3], names: null });
    const files = new Map([...tree].filter(([k]) => k.startsWith('data/')));
    const types = Object.fromEntries(
      (
        await queryParquet<{ column_name: string; column_type: string }>(
          files,
          (d) => `describe select * from '${d}/data/chunk-000/file-000.parquet'`,
        )
      ).map((c) => [c.column_name, c.column_type]),
    );
    expect(types).toMatchObject({ 'tracking.wrist_position': 'FLOAT[]', 'tracking.pose': 'FLOAT[][]' });
    const rows = await queryParquet<{ w: number[]; p: number[][] }>(
      files,
      (d) => `select "tracking.wrist_position" w, "tracking.pose" p from '${d}/data/chunk-000/file-001.parquet' where frame_index = 7`,
    );
    expect(rows[0]!.w.map((v) => Number(v.toFixed(5)))).toEqual([0.7, 1.4, 2.1]);
    expect(rows[0]!.p).toEqual([
      [42, 43, 44],
      [45, 46, 47],
    ]);
    const stats = JSON.parse(tree.get('meta/stats.json')!.toString()) as Record<string, { min: unknown; max: unknown; count: number[] }>;
    expect(stats['tracking.pose']).toMatchObject({
      min: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      max: [
        [534, 535, 536],
        [537, 538, 539],
      ],
      count: [180],
    });
    expect((stats['tracking.wrist_position']!.max as number[]).map((v) => Number(v.toFixed(4)))).toEqual([8.9, 17.8, 26.7]);
  });
});

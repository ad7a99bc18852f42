import { Readable } from 'node:stream';
import type { SchemaElement } from 'hyparquet-writer';
import type { ObjectStorage } from '../storage';
import { FRAME_COLUMNS } from './episode-table';
import { CHUNKS_SIZE, DATA_PATH, META, VIDEO_KEY, VIDEO_PATH, chunkOf, fileOf, trackingFeatureName } from './layout';
import { writeParquet } from './parquet-object';
import { statsJson } from './stats';
import type { DatasetRecord, EpisodeSchema, ExcludedTake, FeatureStats, StepResult } from './types';

type Episode = Extract<StepResult, { kind: 'episode' }>;
/** Reads the build's step results in order, a page at a time (never all at once). */
export type StepPages = () => AsyncIterable<StepResult[]>;

const JSON_TYPE = 'application/json';
const put = (storage: ObjectStorage, key: string, value: unknown) =>
  storage.putObjectStream(key, Readable.from([Buffer.from(`${JSON.stringify(value, null, 2)}\n`)]), JSON_TYPE);

/** meta/info.json: what LeRobotDataset reads first. */
export function infoJson(dataset: DatasetRecord, schema: EpisodeSchema) {
  const scalar = (dtype: string) => ({ dtype, shape: [1], names: null });
  const features: Record<string, unknown> = {
    [VIDEO_KEY]: {
      dtype: 'video',
      shape: [schema.video.height, schema.video.width, 3],
      names: ['height', 'width', 'channels'],
      info: {
        'video.height': schema.video.height,
        'video.width': schema.video.width,
        'video.codec': schema.video.codec,
        'video.fps': dataset.fps,
        'video.channels': 3,
        'video.is_depth_map': false,
        has_audio: false,
      },
    },
  };
  for (const t of schema.tracking) {
    const dtype = t.kind === 'float' ? 'float32' : 'bool';
    features[trackingFeatureName(t.array)] = t.shape.length === 0 ? scalar(dtype) : { dtype, shape: t.shape, names: null };
  }
  features.timestamp = scalar('float32');
  for (const name of FRAME_COLUMNS.slice(1)) features[name] = scalar('int64');
  return {
    codebase_version: 'v3.0',
    robot_type: null,
    total_episodes: dataset.episodes,
    total_frames: dataset.frames,
    total_tasks: 1,
    chunks_size: CHUNKS_SIZE,
    data_files_size_in_mb: 100,
    video_files_size_in_mb: 500,
    fps: dataset.fps,
    splits: { train: `0:${dataset.episodes}` },
    data_path: DATA_PATH,
    video_path: VIDEO_PATH,
    features,
  };
}

/** meta/stats.json: every numeric feature over the whole dataset. */
export function statsFile(schema: EpisodeSchema, stats: Record<string, FeatureStats>) {
  const out: Record<string, unknown> = {};
  for (const t of schema.tracking)
    out[trackingFeatureName(t.array)] = statsJson(stats[trackingFeatureName(t.array)]!, t.shape.length ? t.shape : [1]);
  for (const name of FRAME_COLUMNS) out[name] = statsJson(stats[name]!, [1]);
  return out;
}

/** meta/tasks.parquet: pandas reads `task` back as its index, as LeRobot expects (tasks.iloc[i].name). */
export async function writeTasks(storage: ObjectStorage, prefix: string, task: string): Promise<void> {
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: 2 },
    { name: 'task_index', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'task', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  ];
  const pandas = {
    index_columns: ['task'],
    column_indexes: [{ name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: { encoding: 'UTF-8' } }],
    columns: [
      { name: 'task_index', field_name: 'task_index', pandas_type: 'int64', numpy_type: 'int64', metadata: null },
      { name: 'task', field_name: 'task', pandas_type: 'unicode', numpy_type: 'object', metadata: null },
    ],
    creator: { library: 'capture-backend', version: '1' },
    pandas_version: '2.2.0',
  };
  await writeParquet(
    { storage, key: `${prefix}${META.tasks}` },
    schema,
    (write) =>
      write(
        [
          { name: 'task_index', data: new BigInt64Array([0n]) },
          { name: 'task', data: [task] },
        ],
        1,
      ),
    [{ key: 'pandas', value: JSON.stringify(pandas) }],
  );
}

const int64 = (name: string): SchemaElement => ({ name, type: 'INT64', repetition_type: 'REQUIRED' });
const double = (name: string): SchemaElement => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' });
const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
const EPISODE_COLUMNS: SchemaElement[] = [
  int64('episode_index'),
  { name: 'tasks', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  int64('length'),
  int64('data/chunk_index'),
  int64('data/file_index'),
  int64('dataset_from_index'),
  int64('dataset_to_index'),
  int64(`videos/${VIDEO_KEY}/chunk_index`),
  int64(`videos/${VIDEO_KEY}/file_index`),
  double(`videos/${VIDEO_KEY}/from_timestamp`),
  double(`videos/${VIDEO_KEY}/to_timestamp`),
  int64('meta/episodes/chunk_index'),
  int64('meta/episodes/file_index'),
  text('provenance/recording_id'),
  text('provenance/device_id'),
  text('provenance/session_id'),
];

/** meta/episodes/chunk-000/file-000.parquet: one row per episode, where its rows and video are; 1,000 rows a group. */
export async function writeEpisodes(storage: ObjectStorage, prefix: string, task: string, pages: StepPages): Promise<void> {
  // Top-level columns: the tasks LIST's two inner elements are not.
  const schema: SchemaElement[] = [{ name: 'schema', num_children: EPISODE_COLUMNS.length - 2 }, ...EPISODE_COLUMNS];
  await writeParquet({ storage, key: `${prefix}${META.episodes}` }, schema, async (write) => {
    for await (const page of pages()) {
      const eps = page.filter((s): s is Episode => s.kind === 'episode');
      if (eps.length === 0) continue;
      const ints = (f: (e: Episode) => number) => BigInt64Array.from(eps, (e) => BigInt(f(e)));
      await write(
        [
          { name: 'episode_index', data: ints((e) => e.episodeIndex) },
          { name: 'tasks', data: eps.map(() => [task]) },
          { name: 'length', data: ints((e) => e.frames) },
          { name: 'data/chunk_index', data: ints((e) => chunkOf(e.episodeIndex)) },
          { name: 'data/file_index', data: ints((e) => fileOf(e.episodeIndex)) },
          { name: 'dataset_from_index', data: ints((e) => e.fromIndex) },
          { name: 'dataset_to_index', data: ints((e) => e.fromIndex + e.frames) },
          { name: `videos/${VIDEO_KEY}/chunk_index`, data: ints((e) => chunkOf(e.episodeIndex)) },
          { name: `videos/${VIDEO_KEY}/file_index`, data: ints((e) => fileOf(e.episodeIndex)) },
          { name: `videos/${VIDEO_KEY}/from_timestamp`, data: Float64Array.from(eps, () => 0) },
          { name: `videos/${VIDEO_KEY}/to_timestamp`, data: Float64Array.from(eps, (e) => e.seconds) },
          { name: 'meta/episodes/chunk_index', data: new BigInt64Array(eps.length) },
          { name: 'meta/episodes/file_index', data: new BigInt64Array(eps.length) },
          { name: 'provenance/recording_id', data: eps.map((e) => e.recordingId) },
          { name: 'provenance/device_id', data: eps.map((e) => e.source.deviceId) },
          { name: 'provenance/session_id', data: eps.map((e) => e.source.sessionId ?? null) },
        ],
        eps.length,
      );
    }
  });
}

/** provenance.json, streamed: the dataset's request, then each episode's take and each take left out. */
export async function writeProvenance(
  storage: ObjectStorage,
  prefix: string,
  dataset: DatasetRecord,
  excluded: readonly ExcludedTake[],
  pages: StepPages,
): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    const head = {
      provenanceVersion: 1,
      datasetId: dataset.datasetId,
      name: dataset.name,
      version: dataset.version,
      format: dataset.format,
      ...(dataset.description ? { description: dataset.description } : {}),
      task: dataset.task,
      fps: dataset.fps,
      filter: dataset.filter,
      requestedAt: dataset.createdAt.toISOString(),
      requestedBy: dataset.createdBy,
      requestedOnServer: dataset.serverVersion,
    };
    yield `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "episodes": [`;
    let first = true;
    for await (const page of pages()) {
      for (const step of page) {
        if (step.kind === 'left-out') continue;
        const entry = {
          episodeIndex: step.episodeIndex,
          ...step.source,
          frames: step.frames,
          datasetFromIndex: step.fromIndex,
          datasetToIndex: step.fromIndex + step.frames,
          dataFile: step.dataKey.slice(prefix.length),
          videoFile: step.videoKey.slice(prefix.length),
        };
        yield `${first ? '' : ','}\n    ${JSON.stringify(entry)}`;
        first = false;
      }
    }
    // A second pass for the takes left out, so neither list is held.
    yield `\n  ],\n  "leftOut": [`;
    first = true;
    const left = async function* () {
      yield* excluded;
      for await (const page of pages())
        for (const s of page) if (s.kind === 'left-out') yield { recordingId: s.recordingId, reason: s.reason };
    };
    for await (const entry of left()) {
      yield `${first ? '' : ','}\n    ${JSON.stringify(entry)}`;
      first = false;
    }
    yield `\n  ]\n}\n`;
  }
  await storage.putObjectStream(`${prefix}${META.provenance}`, Readable.from(lines()), JSON_TYPE);
}

export const writeJson = put;

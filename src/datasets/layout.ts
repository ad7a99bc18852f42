/**
 * Where a dataset version lives in storage, in LeRobotDataset v3.0's layout
 * (docs/DATASETS.md): datasets/{name}/v{n}/ holding meta/, data/, videos/ and
 * provenance.json. Each episode gets a data file and a video file of its own,
 * numbered by its index (file-NNN within chunk-CCC, chunks of CHUNKS_SIZE), so
 * a step of the build writes only objects no other step writes.
 */
export const DATASETS_PREFIX = 'datasets/';
export const CHUNKS_SIZE = 1000;
export const VIDEO_KEY = 'observation.images.ego';
export const DATA_PATH = 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';
export const VIDEO_PATH = 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4';

/** A dataset name is a folder name: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const versionPrefix = (name: string, version: number) => `${DATASETS_PREFIX}${name}/v${version}/`;

const pad = (n: number) => String(n).padStart(3, '0');
export const chunkOf = (episodeIndex: number) => Math.floor(episodeIndex / CHUNKS_SIZE);
export const fileOf = (episodeIndex: number) => episodeIndex % CHUNKS_SIZE;

export const dataKey = (prefix: string, episodeIndex: number) =>
  `${prefix}data/chunk-${pad(chunkOf(episodeIndex))}/file-${pad(fileOf(episodeIndex))}.parquet`;
export const videoKey = (prefix: string, episodeIndex: number) =>
  `${prefix}videos/${VIDEO_KEY}/chunk-${pad(chunkOf(episodeIndex))}/file-${pad(fileOf(episodeIndex))}.mp4`;

export const META = {
  info: 'meta/info.json',
  stats: 'meta/stats.json',
  tasks: 'meta/tasks.parquet',
  episodes: 'meta/episodes/chunk-000/file-000.parquet',
  provenance: 'provenance.json',
} as const;

/** The name a per-frame NPZ array has as a feature: its own name under `tracking.`, clear of LeRobot's own columns. */
export const trackingFeatureName = (array: string) => `tracking.${array}`;
/** NPZ array names that become feature names (no '/', which LeRobot refuses). */
export const TRACKING_ARRAY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CaptureServer } from '../../src/app';
import type { Env } from '../../src/config';
import type { ObjectStorage } from '../../src/storage';
import { eventually } from '../helpers/clients';
import type { TestS3 } from '../helpers/s3-server';

/** Fixtures: the recordings' (good.mp4/good.npz at 30 fps, short.mp4) and the datasets' own (good24, vectors). */
const RECORDINGS_FIXTURES = path.join(__dirname, '..', 'recordings', 'fixtures');
const DATASETS_FIXTURES = path.join(__dirname, 'fixtures');
export const fixture = (name: string) =>
  readFileSync(path.join(['good24.mp4', 'good24.npz', 'vectors.npz'].includes(name) ? DATASETS_FIXTURES : RECORDINGS_FIXTURES, name));

export const STORAGE_KINDS = ['local', 's3'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** The environment of a server on s3rver (each server gets its own S3 client), or none for local disk. */
export function storageEnv(kind: StorageKind, s3: () => TestS3): Env {
  if (kind === 'local') return {};
  return {
    S3_BUCKET_NAME: s3().bucket,
    S3_ENDPOINT: s3().endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
}

export interface Take {
  deviceId: string;
  timestamp: string;
  video: string;
  data: string;
  sessionId?: string;
}

/** Uploads a take as a headset does in one request; resolves with its recordingId. */
export async function uploadTake(server: CaptureServer, take: Take): Promise<string> {
  const body = new FormData();
  body.append('timestamp', take.timestamp);
  if (take.sessionId) body.append('sessionId', take.sessionId);
  body.append('video', new Blob([fixture(take.video)]), 'recording.mp4');
  body.append('data', new Blob([fixture(take.data)]), 'session_data.npz');
  const res = await fetch(`${server.url()}/upload-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.sign(take.deviceId, 'headset')}` },
    body,
  });
  if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return `${take.timestamp}_${take.deviceId}`;
}

export async function api<T = Record<string, unknown>>(
  server: CaptureServer,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = { 'x-api-key': server.config.auth.adminApiKey },
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url()}${route}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Waits until every take has its verdict (the integrity gate runs in the background). */
export async function verified(server: CaptureServer, ids: readonly string[]): Promise<void> {
  await eventually(async () => {
    for (const id of ids) {
      const { body } = await api<{ recording?: { state: string } }>(server, 'GET', `/api/recordings/${id}`);
      if (!['verified', 'rejected'].includes(body.recording?.state ?? '')) throw new Error(`${id} is ${body.recording?.state}`);
    }
  }, 20_000);
}

export interface DatasetDetail {
  datasetId: string;
  name: string;
  version: number;
  state: string;
  fps: number;
  location: string;
  progress: { done: number; total: number };
  episodeCount: number;
  frameCount: number;
  error?: string;
  episodes: Array<{
    episodeIndex: number;
    recordingId: string;
    frames: number;
    datasetFromIndex: number;
    datasetToIndex: number;
    dataFile: string;
    videoFile: string;
    sha256: { video: string; data: string };
  }>;
  leftOut: Array<{ recordingId: string; reason: string }>;
}

export async function waitForDataset(
  server: CaptureServer,
  datasetId: string,
  state = 'ready',
  timeoutMs = 30_000,
): Promise<DatasetDetail> {
  let detail: DatasetDetail | undefined;
  await eventually(async () => {
    const { body } = await api<{ dataset: DatasetDetail }>(server, 'GET', `/api/datasets/${datasetId}`);
    detail = body.dataset;
    if (detail?.state !== state)
      throw new Error(`dataset is ${detail?.state} (${JSON.stringify(detail?.progress)}): ${detail?.error ?? ''}`);
  }, timeoutMs);
  return detail!;
}

/** Every object under a prefix, by key relative to it, as bytes. */
export async function readTree(storage: ObjectStorage, prefix: string): Promise<Map<string, Buffer>> {
  const tree = new Map<string, Buffer>();
  for await (const object of storage.listObjects(prefix))
    tree.set(object.key.slice(prefix.length), await buffer(await storage.readObject(object.key)));
  return tree;
}

/**
 * Reads Parquet files with DuckDB (its own C++ reader, not the library that
 * wrote them): the files are put in a temp folder and queried with SQL.
 */
export async function queryParquet<T = Record<string, unknown>>(files: Map<string, Buffer>, sql: (dir: string) => string): Promise<T[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-parquet-'));
  try {
    for (const [name, bytes] of files) {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
    }
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      return (await connection.runAndReadAll(sql(dir))).getRowObjectsJS() as T[];
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A second past a base stamp, as recording folders are named (20260206_150000 + 3 -> 20260206_150003). */
export const stamp = (second: number) =>
  `20260206_15${String(Math.floor(second / 60)).padStart(2, '0')}${String(second % 60).padStart(2, '0')}`;

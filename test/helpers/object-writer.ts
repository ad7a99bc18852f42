import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mapLimit } from '../../src/quality/map-limit';
import type { LocalStorage, S3Storage } from '../../src/storage';

/** Writes objects straight into a bucket or DATA_DIR, as uploads would leave them. */
export type PutObject = (key: string, body: Buffer | string) => Promise<void>;

export function s3Writer(storage: S3Storage): PutObject {
  return async (key, body) => {
    await storage.client.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body }));
  };
}

export function localWriter(storage: LocalStorage): PutObject {
  return async (key, body) => {
    const file = storage.pathOf(key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  };
}

/** Writes many objects with bounded concurrency (s3rver writes each to disk). */
export async function putAll(put: PutObject, objects: ReadonlyArray<{ key: string; body: Buffer | string }>, concurrency = 16) {
  await mapLimit(objects, concurrency, (o) => put(o.key, o.body));
}

import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import S3rver from 's3rver';
import { S3Storage } from '../../src/storage';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** An S3Storage pointed at the bucket (path style, s3rver's fixed credentials). */
  storage: S3Storage;
  stop(): Promise<void>;
}

/**
 * A real S3 protocol server (s3rver) in this process, on a free port, with a
 * fresh temp directory and one empty bucket. stop() closes the storage client
 * and the server and removes the directory. A small `listPageSize` makes
 * listing page after a few objects instead of S3's 1,000.
 */
export async function startS3Server(options: { listPageSize?: number } = {}): Promise<TestS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'capture-s3rver-'));
  const bucket = 'capture-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const storage = new S3Storage(
    {
      bucket,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    options,
  );
  return {
    endpoint,
    bucket,
    storage,
    async stop() {
      await storage.close();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

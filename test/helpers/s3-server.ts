import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3Storage } from '../../src/storage';

/** s3rver's built-in account. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  storage: S3Storage;
  stop(): Promise<void>;
}

/**
 * A real S3 protocol server (s3rver) in this process, on a free port, with a
 * fresh temporary directory and bucket, and an S3Storage pointed at it.
 * Note s3rver lacks ListParts, ListMultipartUploads and AbortMultipartUpload.
 */
export async function startS3Server(): Promise<TestS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'capture-s3rver-'));
  const bucket = 'capture-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const storage = new S3Storage({ bucket, region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
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

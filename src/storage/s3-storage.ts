import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectStorage } from './types';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Recordings in an S3 bucket (or an S3-compatible store via endpoint + path style). */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(readonly options: S3StorageOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
    });
  }

  get location(): string {
    return `s3://${this.options.bucket}`;
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }), {
      abortSignal: AbortSignal.timeout(5_000),
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

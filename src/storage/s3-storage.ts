import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { S3StorageOptions } from '../config';
import { ObjectNotFoundError } from './errors';
import { assertSafeKey } from './keys';
import { S3Multipart } from './s3-multipart';
import { s3CopyObject, type S3CopyOptions } from './s3-copy';
import type { MultipartUploads, ObjectStorage, StoredObject } from './types';

export type { S3StorageOptions };

/** S3's own listing page; tests pass a small one so paging is cheap to exercise. */
const DEFAULT_LIST_PAGE_SIZE = 1000;

/** Recordings in an S3 bucket (or an S3-compatible store via endpoint + path style). */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  readonly multipart: MultipartUploads;
  private readonly listPageSize: number;
  private readonly copyOptions: S3CopyOptions;

  constructor(
    readonly options: S3StorageOptions,
    { listPageSize = DEFAULT_LIST_PAGE_SIZE, copy = {} }: { listPageSize?: number; copy?: S3CopyOptions } = {},
  ) {
    this.listPageSize = listPageSize;
    this.copyOptions = copy;
    this.bucket = options.bucket;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      // A copy: the SDK writes bookkeeping onto the credentials object it is given, and the
      // configuration is deep-frozen, so handing it Config's object makes every call throw.
      credentials: options.credentials ? { ...options.credentials } : undefined,
      // Presigned part URLs cannot carry a checksum of bytes the server never sees,
      // and S3-compatible stores (s3rver, older MinIO) reject the SDK's default ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.multipart = new S3Multipart(this.client, this.bucket);
  }

  get location(): string {
    return `s3://${this.bucket}`;
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
      abortSignal: AbortSignal.timeout(5_000),
    });
  }

  async *listObjects(prefix = ''): AsyncIterable<StoredObject> {
    const pages = paginateListObjectsV2({ client: this.client, pageSize: this.listPageSize }, { Bucket: this.bucket, Prefix: prefix });
    for await (const page of pages) {
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
          etag: item.ETag ?? '',
        };
      }
    }
  }

  async headObject(key: string): Promise<StoredObject | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: assertSafeKey(key) }));
      return {
        key,
        size: head.ContentLength ?? 0,
        lastModified: head.LastModified ?? new Date(0),
        etag: head.ETag ?? '',
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async readObject(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: assertSafeKey(key) }));
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async readRange(key: string, start: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: assertSafeKey(key), Range: `bytes=${start}-${start + length - 1}` }),
      );
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      // A range starting past the end: S3 answers 416; the contract answers no bytes.
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
      throw err;
    }
  }

  async deleteObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: assertSafeKey(key) }));
  }

  /** lib-storage's managed upload: small bodies go up in one PUT, large ones as a multipart upload it aborts on failure. */
  async putObjectStream(key: string, body: Readable, contentType: string): Promise<{ etag: string; size: number }> {
    let size = 0;
    body.on('data', (chunk: Buffer) => (size += chunk.length));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: assertSafeKey(key), Body: body, ContentType: contentType },
      queueSize: 2,
      leavePartsOnError: false,
    });
    const out = await upload.done();
    return { etag: out.ETag ?? '', size };
  }

  /** Server-side: the bytes stay in S3 (see s3-copy.ts). */
  copyObject(fromKey: string, toKey: string): Promise<{ etag: string; size: number }> {
    return s3CopyObject(this.client, this.bucket, fromKey, toKey, this.copyOptions);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  ListMultipartUploadsCommand,
  paginateListParts,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSafeKey } from './keys';
import { InvalidPartError, UploadNotFoundError } from './errors';
import type { MultipartUploads, PendingMultipartUpload, StoredPart } from './types';

/** SigV4 presigned URLs cannot outlive seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** The multipart half of the S3 driver, over one client and bucket. */
export class S3Multipart implements MultipartUploads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async createMultipartUpload(key: string, { contentType }: { contentType: string }): Promise<string> {
    const out = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: assertSafeKey(key), ContentType: contentType }),
    );
    if (!out.UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
    return out.UploadId;
  }

  presignPartUrl(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    const command = new UploadPartCommand({ Bucket: this.bucket, Key: assertSafeKey(key), UploadId: uploadId, PartNumber: partNumber });
    return getSignedUrl(this.client, command, { expiresIn: Math.min(expiresInSeconds, MAX_PRESIGN_SECONDS) });
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    try {
      // S3 pages at 1,000 parts; an upload can have 10,000.
      const pages = paginateListParts(
        { client: this.client, pageSize: 1000 },
        { Bucket: this.bucket, Key: assertSafeKey(key), UploadId: uploadId },
      );
      for await (const page of pages) {
        for (const p of page.Parts ?? []) {
          if (p.PartNumber !== undefined && p.ETag) parts.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
        }
      }
    } catch (err) {
      throw translate(err, uploadId);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<{ etag: string }> {
    try {
      const out = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: assertSafeKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (err) {
      throw translate(err, uploadId);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: assertSafeKey(key), UploadId: uploadId }));
    } catch (err) {
      if (translate(err, uploadId) instanceof UploadNotFoundError) return;
      throw err;
    }
  }

  async *listMultipartUploads(): AsyncIterable<PendingMultipartUpload> {
    // No SDK paginator for this call: follow the key and upload-ID markers by hand.
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId) yield { key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) };
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
  }
}

function translate(err: unknown, uploadId: string): unknown {
  const e = err as { name?: string; Code?: string };
  const name = e?.name ?? e?.Code;
  if (name === 'NoSuchUpload') return new UploadNotFoundError(uploadId);
  if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall') {
    return new InvalidPartError(`storage refused the parts: ${(err as Error).message}`);
  }
  return err;
}

import type { Readable } from 'node:stream';
import type { MultipartStorage, PendingMultipartUpload, StoredPart } from './types';

/**
 * Both drivers keep their write side in a class of its own (LocalMultipart,
 * S3Multipart) beside the read side; this base hands the write calls to it.
 */
export abstract class ForwardsWrites implements MultipartStorage {
  protected abstract readonly writes: MultipartStorage;

  createMultipartUpload(key: string, options: { contentType: string; partSize: number }): Promise<string> {
    return this.writes.createMultipartUpload(key, options);
  }

  presignPartUrl(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    return this.writes.presignPartUrl(key, uploadId, partNumber, expiresInSeconds);
  }

  listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    return this.writes.listParts(key, uploadId);
  }

  completeMultipartUpload(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<{ etag: string }> {
    return this.writes.completeMultipartUpload(key, uploadId, parts);
  }

  abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    return this.writes.abortMultipartUpload(key, uploadId);
  }

  listMultipartUploads(): AsyncIterable<PendingMultipartUpload> {
    return this.writes.listMultipartUploads();
  }

  putObjectStream(key: string, body: Readable, contentType: string): Promise<{ etag: string; size: number }> {
    return this.writes.putObjectStream(key, body, contentType);
  }
}

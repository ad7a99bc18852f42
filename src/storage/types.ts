import type { Readable } from 'node:stream';

/** An object in storage, as S3 lists it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
  /** Changes whenever the content changes (S3's ETag; a content stamp on local disk). */
  etag: string;
}

/**
 * Where recordings live. One interface, a local-disk driver (the embedded
 * default, same key layout as the bucket) and an S3 driver side by side.
 * Keys are always produced by the server (see keys.ts), never taken from clients.
 */
export interface ObjectStorage extends MultipartStorage {
  readonly kind: 'local' | 's3';
  /** A human-readable location for logs and /health, never containing credentials. */
  readonly location: string;
  /** Resolves when the storage can be written; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** Every object under the prefix, in key order, paging as needed. */
  listObjects(prefix?: string): AsyncIterable<StoredObject>;
  headObject(key: string): Promise<StoredObject | null>;
  /** A stream of the object's bytes; rejects with ObjectNotFoundError when absent. */
  readObject(key: string): Promise<Readable>;
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** A part stored so far in a multipart upload. */
export interface StoredPart {
  partNumber: number;
  /** Quoted MD5 of the part, as S3 answers it. */
  etag: string;
  size: number;
}

/** A multipart upload the storage still holds (not yet completed or aborted). */
export interface PendingMultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/**
 * The write side: S3-style multipart uploads (the local driver mimics S3's
 * semantics) and a streaming single put. Keys are produced by the server.
 */
export interface MultipartStorage {
  /**
   * Starts a multipart upload; resolves with the storage's upload ID. Every part
   * but the last is `partSize` bytes (the local driver writes parts in place at
   * their offsets; S3 ignores it).
   */
  createMultipartUpload(key: string, options: { contentType: string; partSize: number }): Promise<string>;
  /**
   * A URL the client PUTs one part to, valid for `expiresInSeconds`. The local
   * driver answers a path on this server (starting with '/'), resolved by the
   * caller against the server's public base URL.
   */
  presignPartUrl(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  /** Every part stored so far, in part-number order, paging past S3's 1,000-part pages. */
  listParts(key: string, uploadId: string): Promise<StoredPart[]>;
  /** Assembles the parts (ascending, already checked) into the object; nobody sees a partial object. */
  completeMultipartUpload(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<{ etag: string }>;
  /** Discards the upload and its parts; an unknown upload is not an error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Uploads the storage still holds, for the stale-upload sweep. */
  listMultipartUploads(): AsyncIterable<PendingMultipartUpload>;
  /** Streams a body of unknown length into place; the object appears whole or not at all. */
  putObjectStream(key: string, body: Readable, contentType: string): Promise<{ etag: string; size: number }>;
}

/** The storage does not know this upload (never started, completed, aborted or swept). */
export class UploadNotFoundError extends Error {
  constructor(readonly uploadId: string) {
    super('no such multipart upload');
    this.name = 'UploadNotFoundError';
  }
}

/** A part named in a complete is missing, was replaced, or does not fit the upload. */
export class InvalidPartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPartError';
  }
}

/** A part body is larger than the upload's part size. */
export class PartTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`part is larger than the upload's part size of ${limit} bytes`);
    this.name = 'PartTooLargeError';
  }
}

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
export interface ObjectStorage {
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

/**
 * Where recordings live. One interface, a local-disk driver (the embedded
 * default, same key layout as the bucket) and an S3 driver side by side.
 * The uploads issue grows this interface with multipart operations.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 's3';
  /** A human-readable location for logs and /health, never containing credentials. */
  readonly location: string;
  /** Resolves when the storage can be written; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

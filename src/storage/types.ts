import type { Readable } from 'node:stream';
import type { PartUrlSigner } from './part-url-signer';

/** An object in storage, as S3 lists it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
  /** Changes whenever the content changes (S3's ETag; a content stamp on local disk). */
  etag: string;
}

/**
 * Where recordings live, described by what it offers: whole objects (on the
 * storage itself), S3-style multipart uploads (`multipart`), and, only where
 * the driver has them, optional capabilities callers ask for by property
 * (`localParts`) instead of by driver class. A local-disk driver (the embedded
 * default, same key layout as the bucket) and an S3 driver implement it and
 * pass one contract suite (test/storage/object-storage.contract.ts).
 * Keys are always produced by the server, never taken from clients.
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
  /**
   * Bytes `start` .. `start + length - 1` of the object (fewer at its end; none past it),
   * read without fetching the rest: a parser reads an MP4's boxes this way. The caller
   * bounds `length`. Rejects with ObjectNotFoundError when absent.
   */
  readRange(key: string, start: number, length: number): Promise<Buffer>;
  /** Deletes the object; a missing object is not an error. */
  deleteObject(key: string): Promise<void>;
  /** Streams a body of unknown length into place; the object appears whole or not at all. */
  putObjectStream(key: string, body: Readable, contentType: string): Promise<{ etag: string; size: number }>;
  /**
   * Copies an object to another key byte for byte, without the bytes passing through
   * this process where the storage can avoid it (S3: a server-side CopyObject, or
   * UploadPartCopy for objects over 5 GiB; local disk: the kernel's file copy). The
   * copy appears whole or not at all. Rejects with ObjectNotFoundError when the source is absent.
   */
  copyObject(fromKey: string, toKey: string): Promise<{ etag: string; size: number }>;
  close(): Promise<void>;

  readonly multipart: MultipartUploads;
  /**
   * Present when part URLs point back at this server (the local driver): the
   * part route checks the URL with `signer` and hands the body to `writePart`.
   * With S3, clients PUT parts to the bucket and this is absent.
   */
  readonly localParts?: LocalPartReceiver;
  /**
   * Present where a killed writer can leave working files behind (the local driver):
   * deletes those last written before `olderThan` and says how many. S3 needs none
   * (an interrupted PUT stores nothing).
   */
  removeStaleTempFiles?(olderThan: Date): Promise<number>;
  /** Present where storage can fill up (the local driver): bytes free for new recordings. */
  freeBytes?(): Promise<number>;
}

/**
 * S3-style multipart uploads (the local driver mimics S3's semantics).
 * Keys are produced by the server.
 */
export interface MultipartUploads {
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
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<{ etag: string }>;
  /** Discards the upload and its parts; an unknown upload is not an error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /**
   * Uploads the storage still holds, for the stale-upload sweep. Each one can be
   * discarded by abortMultipartUpload with the key and ID listed (the local
   * driver lists a create that broke off before recording its key with key '').
   */
  listMultipartUploads(): AsyncIterable<PendingMultipartUpload>;
}

/** The local driver's part route: bodies it receives itself, at URLs it signs. */
export interface LocalPartReceiver {
  readonly signer: PartUrlSigner;
  /** Streams one part into place (the caller has checked the URL); resolves with its quoted MD5 and size. */
  writePart(key: string, uploadId: string, partNumber: number, body: Readable): Promise<StoredPart>;
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

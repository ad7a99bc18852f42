import { DomainError, isDomainError } from '../domain/errors';

/**
 * What every driver throws, so callers handle storage failures without knowing the
 * driver. Each is a DomainError with a fixed code, made at this boundary: a caller
 * tests `err.code` (or lets the refusal through to the transport) and never
 * translates a storage class. A failure these do not name (a disk or network
 * error) stays a plain error: the caller decides what it means (storageWriteRefusal).
 */

export class ObjectNotFoundError extends DomainError {
  constructor(readonly key: string) {
    super('not_found', `no object at ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** The storage does not know this upload (never started, completed, aborted or swept). */
export class UploadNotFoundError extends DomainError {
  constructor(readonly uploadId: string) {
    super('not_found', 'no such upload (completed, aborted or expired)');
    this.name = 'UploadNotFoundError';
  }
}

/** A part named in a complete is missing, was replaced, or does not fit the upload. */
export class InvalidPartError extends DomainError {
  constructor(message: string) {
    super('invalid_parts', message);
    this.name = 'InvalidPartError';
  }
}

/** A part body is larger than the upload's part size. */
export class PartTooLargeError extends DomainError {
  constructor(readonly limit: number) {
    super('part_too_large', `part is larger than the upload's part size of ${limit} bytes`);
    this.name = 'PartTooLargeError';
  }
}

/**
 * What a failed disk write means for the client, from its errno (on the error or
 * its cause): 'full' (no space or quota left) or 'io' (the disk failed or went
 * read-only). Undefined for anything else, such as a client that went away.
 */
export function diskFailureOf(err: unknown): 'full' | 'io' | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return 'full';
    if (code === 'EIO' || code === 'EROFS') return 'io';
  }
  return undefined;
}

/**
 * A failed storage write as the client should hear it: a full disk is 507 (the
 * operator must free space), a failing disk 503; undefined when the errno says neither.
 */
export function storageWriteRefusal(err: unknown): DomainError | undefined {
  const failure = diskFailureOf(err);
  if (failure === 'full') return new DomainError('storage_full', 'storage is full; try again once space is freed', { cause: err });
  if (failure === 'io') return new DomainError('storage_unavailable', 'storage failed to write; try again later', { cause: err });
  return undefined;
}

/** Runs work that needs a dependency; its failure becomes a 503 naming what is unavailable (507 when storage is full). */
export async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isDomainError(err)) throw err;
    throw storageWriteRefusal(err) ?? new DomainError('storage_unavailable', `${what} is unavailable; try again later`, { cause: err });
  }
}

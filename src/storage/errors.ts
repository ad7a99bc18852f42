/** What every driver throws, so callers handle storage failures without knowing the driver. */

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'ObjectNotFoundError';
  }
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

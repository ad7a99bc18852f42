import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { RangeHash } from './range-hasher';

/** Bytes gathered before one write: the disk gets a few large writev calls per part, not one per network chunk. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export interface WrittenPart {
  /** The quoted hex MD5 of the bytes, as S3 writes a part's ETag. */
  etag: string;
  size: number;
}

/**
 * Writes a request body at `position` in an open file while `hash` (MD5, the S3
 * part ETag clients check) reads back each batch once it is written, failing
 * with `tooLarge()` once more than `limit` bytes came. One loop instead of a
 * Transform and a WriteStream: the stream layers cost about as much CPU per GiB
 * as the MD5 itself (measured with --cpu-prof in bench:upload). One write is in
 * flight while the next batch gathers, so the network and the disk still
 * overlap; memory stays bounded at about two batches per part.
 */
export async function writeBody(
  body: Readable,
  file: FileHandle,
  position: number,
  limit: number,
  tooLarge: () => Error,
  hash: RangeHash,
): Promise<WrittenPart> {
  let size = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let at = position;
  const flush = async () => {
    const buffers = batch;
    const bytes = batchBytes;
    const offset = at;
    batch = [];
    batchBytes = 0;
    at += bytes;
    await inFlight;
    inFlight = writeAll(file, buffers, bytes, offset).then(() => hash.add(offset, bytes));
    // Marked handled now: a failed write surfaces at the next await of inFlight, not as an unhandled rejection meanwhile.
    inFlight.catch(() => undefined);
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH_BYTES) await flush();
    }
    if (batchBytes > 0) await flush();
    await inFlight;
  } catch (err) {
    // The write in flight must settle before the caller closes the file.
    await inFlight.catch(() => undefined);
    hash.drop();
    throw err;
  }
  return { etag: `"${await hash.digest()}"`, size };
}

/** writev until every byte is written (libuv already loops over partial writes; this is the belt to its braces). */
async function writeAll(file: FileHandle, buffers: Buffer[], bytes: number, position: number): Promise<void> {
  let written = (await file.writev(buffers, position)).bytesWritten;
  if (written === bytes) return;
  const all = Buffer.concat(buffers);
  while (written < bytes) {
    const { bytesWritten } = await file.write(all, written, bytes - written, position + written);
    if (bytesWritten === 0) throw new Error('disk write made no progress');
    written += bytesWritten;
  }
}

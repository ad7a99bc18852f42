import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Bytes gathered before one write: the disk gets one large write per MiB, not one per 64 KiB network chunk. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/** Idle write buffers kept for the next parts: two per part in flight, enough for 8 parts at once (16 MiB). */
const BUFFERS_KEPT = 16;

export interface WrittenPart {
  /** The quoted hex MD5 of the bytes, as S3 writes a part's ETag. */
  etag: string;
  size: number;
}

/**
 * Fixed-size write buffers, reused from one part to the next. Network chunks are
 * copied into them and dropped at once, instead of being held until their batch
 * is on disk: held chunks outlive the young generation, and each GiB of them then
 * needs old-generation collections to free (the largest cost after MD5 in a
 * --cpu-prof of bench:upload). A copy into a buffer that stays costs far less.
 */
export class WriteBuffers {
  private readonly idle: Buffer[] = [];

  constructor(
    readonly size = WRITE_BUFFER_BYTES,
    private readonly kept = BUFFERS_KEPT,
  ) {}

  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buffer: Buffer): void {
    if (this.idle.length < this.kept) this.idle.push(buffer);
  }
}

/**
 * Writes a request body at `position` in an open file while hashing it (MD5, the
 * S3 part ETag clients check), failing with `tooLarge()` once more than `limit`
 * bytes came. Two buffers per part: one fills from the network while the other is
 * written, so the network and the disk overlap and memory stays at two buffers.
 */
export async function writeBody(
  body: Readable,
  file: FileHandle,
  position: number,
  limit: number,
  tooLarge: () => Error,
  buffers: WriteBuffers,
): Promise<WrittenPart> {
  const hash = createHash('md5');
  let size = 0;
  let filling = buffers.take();
  let filled = 0;
  let writing: { buffer: Buffer; done: Promise<void> } | undefined;
  let at = position;
  /** Waits out the write in flight and answers its buffer, free again. */
  const settle = async (): Promise<Buffer | undefined> => {
    if (!writing) return undefined;
    const { buffer, done } = writing;
    writing = undefined;
    await done;
    return buffer;
  };
  const flush = async () => {
    const full = filling.subarray(0, filled);
    hash.update(full);
    const next = (await settle()) ?? buffers.take();
    const done = writeAll(file, full, at);
    // Marked handled now: a failed write surfaces at the next settle, not as an unhandled rejection meanwhile.
    done.catch(() => undefined);
    writing = { buffer: filling, done };
    at += filled;
    filling = next;
    filled = 0;
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      for (let from = 0; from < chunk.length;) {
        const copied = chunk.copy(filling, filled, from);
        from += copied;
        filled += copied;
        if (filled === filling.length) await flush();
      }
    }
    if (filled > 0) await flush();
    const last = await settle();
    if (last) buffers.give(last);
  } finally {
    // The write in flight must settle before its buffer is reused or the caller closes the file.
    if (writing) {
      const { buffer, done } = writing;
      writing = undefined;
      await done.catch(() => undefined);
      buffers.give(buffer);
    }
    buffers.give(filling);
  }
  return { etag: `"${hash.digest('hex')}"`, size };
}

/** write until every byte is written (libuv already loops over partial writes; this is the belt to its braces). */
async function writeAll(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written, position + written);
    if (bytesWritten === 0) throw new Error('disk write made no progress');
    written += bytesWritten;
  }
}

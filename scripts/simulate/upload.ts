import { Readable } from 'node:stream';
import { CaptureHttp, UploadError, uploadFile } from '@capture-backend/client';
import type { Credential } from './http';

/** Bytes start … end-1 of a file, as a stream. */
export type RangeSource = (start: number, end: number) => Readable;

export interface UploadRequest {
  timestamp: string;
  fileType: 'video' | 'data';
  size: number;
  source: RangeSource;
  sessionId?: string;
  fileName?: string;
}

/** Waits between attempts of a whole upload that failed on the way (the server restarting, Redis away). */
const UPLOAD_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000];
/** Refusals that another attempt cannot change: the upload is given up at once. */
const FINAL_CODES = new Set(['invalid', 'invalid_parts', 'etag_mismatch', 'size_mismatch', 'quota_exceeded', 'forbidden', 'conflict']);

/**
 * The chunked upload a headset does (docs/UPLOADS.md), run by the typed client:
 * start, PUT every part from a stream, complete. Parts go one after another so a
 * fleet of uploads holds at most one network buffer each, never a file. An upload
 * that fails on the way (a server restart, Redis away) is tried again as a headset
 * app should: resumed from the parts the server holds (or started again when the
 * server never saved its start), for about a minute and a half; only then, or on
 * a refusal no retry changes, is it aborted, leaving nothing half-uploaded behind.
 */
export async function chunkedUpload(
  baseUrl: string,
  credential: Credential,
  req: UploadRequest,
  signal?: AbortSignal,
): Promise<{ s3Key: string; size: number; attempts: number }> {
  const http = new CaptureHttp({ baseUrl, credential });
  let resume: { uploadId: string; s3Key: string } | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const done = await uploadFile(http, {
        timestamp: req.timestamp,
        fileType: req.fileType,
        size: req.size,
        source: req.source,
        concurrency: 1,
        ...(resume ? { resume } : {}),
        ...(req.sessionId ? { sessionId: req.sessionId } : {}),
        ...(req.fileName ? { fileName: req.fileName } : {}),
      });
      return { s3Key: done.s3Key, size: req.size, attempts: attempt + 1 };
    } catch (err) {
      // The complete of an earlier attempt went through but its answer was lost (a restart): done.
      if (resume && err instanceof UploadError && /already completed/.test(err.message)) {
        return { s3Key: resume.s3Key, size: req.size, attempts: attempt + 1 };
      }
      const code = err instanceof UploadError ? err.code : undefined;
      const wait = UPLOAD_RETRY_DELAYS_MS[attempt];
      if (wait === undefined || (code && FINAL_CODES.has(code)) || signal?.aborted) {
        const ref = err instanceof UploadError ? (err.upload ?? resume) : resume;
        if (ref) await http.uploads.abort(ref).catch(() => undefined);
        throw err;
      }
      // Resume what the server holds; an upload it no longer knows (its start was lost) starts again.
      resume = code === 'not_found' ? undefined : err instanceof UploadError ? (err.upload ?? resume) : resume;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export const bufferSource =
  (bytes: Buffer): RangeSource =>
  (start, end) =>
    Readable.from([bytes.subarray(start, end)]);

const FILLER_BYTES = 64 * 1024;

/**
 * An MP4-shaped blob of any size, generated as it is read: an `ftyp` box, then
 * one `mdat` box whose payload is filler. Memory stays at one 64 KiB block.
 */
export function mp4Source(size: number): RangeSource {
  const header = Buffer.alloc(32);
  header.writeUInt32BE(24, 0);
  header.write('ftypisom', 4, 'latin1');
  header.writeUInt32BE(0x200, 12);
  header.write('isommp41', 16, 'latin1');
  // A box size above 4 GiB would need the 64-bit form; the filler does not care, so write 1 (extended) only when needed.
  header.writeUInt32BE(size - 24 > 0xffffffff ? 1 : Math.max(0, size - 24), 24);
  header.write('mdat', 28, 'latin1');
  const filler = Buffer.alloc(FILLER_BYTES);
  for (let i = 0; i < FILLER_BYTES; i++) filler[i] = (i * 131 + 7) & 0xff;
  return (start, end) =>
    Readable.from(
      (function* () {
        for (let pos = start; pos < end;) {
          const until = Math.min(end, pos + FILLER_BYTES);
          const block = Buffer.allocUnsafe(until - pos);
          for (let i = pos; i < until;) {
            if (i < header.length) {
              block[i - pos] = header[i]!;
              i++;
            } else {
              const offset = i % FILLER_BYTES;
              const n = Math.min(until - i, FILLER_BYTES - offset);
              filler.copy(block, i - pos, offset, offset + n);
              i += n;
            }
          }
          yield block;
          pos = until;
        }
      })(),
    );
}

import { Readable } from 'node:stream';
import { CaptureHttp, uploadFile } from '@capture-backend/client';
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

/**
 * The chunked upload a headset does (docs/UPLOADS.md), run by the typed client:
 * start, PUT every part from a stream, complete. Parts go one after another so a
 * fleet of uploads holds at most one network buffer each, never a file; a failed
 * upload is aborted, leaving nothing half-uploaded behind (the sweep would get it
 * eventually, this is sooner).
 */
export async function chunkedUpload(baseUrl: string, credential: Credential, req: UploadRequest): Promise<{ s3Key: string; size: number }> {
  const done = await uploadFile(new CaptureHttp({ baseUrl, credential }), {
    timestamp: req.timestamp,
    fileType: req.fileType,
    size: req.size,
    source: req.source,
    concurrency: 1,
    abortOnFailure: true,
    ...(req.sessionId ? { sessionId: req.sessionId } : {}),
    ...(req.fileName ? { fileName: req.fileName } : {}),
  });
  return { s3Key: done.s3Key, size: req.size };
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

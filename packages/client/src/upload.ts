import { HttpCallError, type CaptureHttp } from './http';
import type { CompleteAnswer } from './http';
import type { ErrorCode } from './protocol';

/**
 * The chunked upload (docs/UPLOADS.md) as a client runs it: start (or resume
 * from the parts the server holds), PUT the parts a few at a time with retries,
 * complete. A part is read from the source only when it is sent, so a file is
 * never held whole: at most `concurrency` parts are in flight.
 */

/** One part's bytes. A stream or async iterable (a Node Readable) is sent with its Content-Length, as S3 requires. */
export type PartBody = Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * The file: a Blob (a browser File, or Node's fs.openAsBlob), bytes in memory,
 * or a function giving bytes start … end-1 (called again for each retry).
 */
export type UploadSource = Blob | Uint8Array | ((start: number, end: number) => PartBody | Promise<PartBody>);

export interface UploadProgress {
  /** Bytes the server holds (parts confirmed), of `totalBytes`. */
  uploadedBytes: number;
  totalBytes: number;
  partsDone: number;
  totalParts: number;
}

export interface UploadFileOptions {
  timestamp: string;
  fileType: 'video' | 'data';
  size: number;
  source: UploadSource;
  sessionId?: string;
  fileName?: string;
  /** Resume this upload: only the parts the server does not hold are sent. */
  resume?: { uploadId: string; s3Key: string };
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** Attempts per part beyond the first, for network errors, 5xx, 408, 429 and expired URLs (default 3). */
  retries?: number;
  /** First retry delay in ms, doubled each time (default 500). */
  retryDelayMs?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Told the upload's IDs as soon as it has them, to resume it after a crash. */
  onStarted?: (upload: { uploadId: string; s3Key: string }) => void;
  /** Abort the upload on the server when it fails (default false: it stays resumable until the server's sweep). */
  abortOnFailure?: boolean;
  signal?: AbortSignal;
}

/** A failed upload, with what is needed to resume it, and the code of the server's refusal when it refused. */
export class UploadError extends Error {
  readonly code?: ErrorCode;

  constructor(
    message: string,
    readonly upload: { uploadId: string; s3Key: string } | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UploadError';
    this.code = options?.cause instanceof HttpCallError ? options.cause.code : undefined;
  }
}

/** Most URLs signed per sign-parts call the client makes (the server allows 1000). */
const SIGN_BATCH = 100;
/** Statuses worth another attempt: the server or a proxy is busy or briefly away. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

export async function uploadFile(http: CaptureHttp, o: UploadFileOptions): Promise<CompleteAnswer> {
  let ref: { uploadId: string; s3Key: string } | undefined = o.resume;
  try {
    const plan = await begin(http, o);
    ref = plan.ref;
    o.onStarted?.(ref);
    const urls = new Map(plan.urls.map((u) => [u.partNumber, u.url]));
    const done = new Map(plan.held.map((p) => [p.partNumber, p.etag]));
    let uploadedBytes = plan.held.reduce((sum, p) => sum + p.size, 0);
    const progress = () => o.onProgress?.({ uploadedBytes, totalBytes: o.size, partsDone: done.size, totalParts: plan.totalParts });
    progress();
    const queue = Array.from({ length: plan.totalParts }, (_, i) => i + 1).filter((n) => !done.has(n));

    /** The URL of a part, signing it and the next unsigned ones when there is none (not in the start answer, or expired). */
    const urlOf = async (partNumber: number): Promise<string> => {
      const known = urls.get(partNumber);
      if (known) return known;
      const numbers = [partNumber, ...queue.filter((n) => !urls.has(n)).slice(0, SIGN_BATCH - 1)];
      const signed = await http.uploads.signParts({ ...plan.ref, partNumbers: numbers });
      for (const u of signed.presignedUrls) urls.set(u.partNumber, u.url);
      return urls.get(partNumber)!;
    };

    const sendPart = async (partNumber: number) => {
      const start = (partNumber - 1) * plan.chunkSize;
      const end = Math.min(o.size, start + plan.chunkSize);
      const retries = o.retries ?? 3;
      for (let attempt = 0; ; attempt++) {
        o.signal?.throwIfAborted();
        try {
          const etag = await putPart(http, await urlOf(partNumber), await bodyOf(o.source, start, end), end - start, o.signal);
          done.set(partNumber, etag);
          uploadedBytes += end - start;
          progress();
          return;
        } catch (err) {
          const status = err instanceof HttpCallError ? err.status : undefined;
          const code = err instanceof HttpCallError ? err.code : undefined;
          // An expired (or spoiled) part URL: sign it again. The server's own part URLs say so by code; S3's
          // presigned URLs answer a bare 403 (XML, no code).
          const expired = code === 'expired_url' || code === 'bad_signature' || (code === undefined && status === 403);
          const retryable = status === undefined ? !o.signal?.aborted : RETRYABLE.has(status) || expired;
          if (!retryable || attempt >= retries) throw err;
          await delay((o.retryDelayMs ?? 500) * 2 ** attempt, o.signal);
          if (expired) urls.delete(partNumber);
        }
      }
    };

    // A failed part stops the others from starting new ones, and the parts in flight finish first,
    // so that what the server holds is settled when the caller hears of the failure (and may resume).
    let failure: { err: unknown } | undefined;
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined && !failure; next = queue.shift()) {
        await sendPart(next).catch((err: unknown) => void (failure ??= { err }));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, queue.length)) }, worker));
    if (failure) throw failure.err;
    const parts = [...done].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
    return await http.uploads.complete({ ...plan.ref, parts });
  } catch (err) {
    if (o.abortOnFailure && ref) await http.uploads.abort(ref).catch(() => undefined);
    throw new UploadError(`upload failed: ${(err as Error).message}`, ref, { cause: err });
  }
}

interface Plan {
  ref: { uploadId: string; s3Key: string };
  totalParts: number;
  chunkSize: number;
  urls: Array<{ partNumber: number; url: string }>;
  held: Array<{ partNumber: number; etag: string; size: number }>;
}

/** Starts the upload, or asks the server what it holds of the one to resume. */
async function begin(http: CaptureHttp, o: UploadFileOptions): Promise<Plan> {
  if (o.resume) {
    const listed = await http.uploads.parts(o.resume);
    if (listed.status === 'completed') throw new Error('this upload is already completed');
    return { ref: o.resume, totalParts: listed.totalParts, chunkSize: listed.chunkSize, urls: [], held: listed.parts };
  }
  const started = await http.uploads.start({
    timestamp: o.timestamp,
    fileType: o.fileType,
    fileSize: o.size,
    ...(o.sessionId ? { sessionId: o.sessionId } : {}),
    ...(o.fileName ? { fileName: o.fileName } : {}),
  });
  return {
    ref: { uploadId: started.uploadId, s3Key: started.s3Key },
    totalParts: started.totalParts,
    chunkSize: started.chunkSize,
    urls: started.presignedUrls,
    held: [],
  };
}

async function bodyOf(source: UploadSource, start: number, end: number): Promise<PartBody> {
  if (typeof source === 'function') return source(start, end);
  return source instanceof Blob ? source.slice(start, end) : source.subarray(start, end);
}

/** PUTs one part to its URL (S3 or the server's own) and answers its ETag. */
async function putPart(http: CaptureHttp, url: string, body: PartBody, length: number, signal?: AbortSignal): Promise<string> {
  const streamed = !(body instanceof Blob) && !(body instanceof Uint8Array);
  // A stream has no length of its own: say it, or fetch would send it chunked (S3 refuses that). `duplex` is not in RequestInit's type yet.
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'PUT',
    // An async iterable is a body Node's fetch takes; the DOM's BodyInit does not name it.
    body: body as RequestInit['body'],
    ...(streamed ? { headers: { 'content-length': String(length) }, duplex: 'half' } : {}),
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(120_000)]) : AbortSignal.timeout(120_000),
  };
  const res = await http.fetch(url, init);
  const text = await res.text();
  const etag = res.headers.get('etag');
  if (res.status !== 200 || !etag) {
    throw new HttpCallError(res.status, `PUT part: ${res.status} ${text.slice(0, 200)}`.trim(), undefined, jsonOr(text));
  }
  return etag;
}

/** The server's JSON refusal of a part (local storage), or the text (S3 answers XML). */
function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

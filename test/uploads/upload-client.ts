import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { TokenService } from '../../src/auth';
import type { Env } from '../../src/config';
import type { CaptureServer, ServerDeps } from '../../src/app';
import { startServer } from '../helpers/start-server';
import { CaptureHttp } from '@capture-backend/client';
import type { StartAnswer as ServerStartAnswer } from '../../src/uploads/schemas';

/** A real server on a free port with a private DATA_DIR, plus a headset token for it. */
export async function startUploadServer(env: Env = {}, deps: ServerDeps = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'capture-uploads-'));
  const server = await startServer({ env: { DATA_DIR: dataDir, ...env }, ...deps });
  const tokens = new TokenService(server.config.auth.jwtSecret, '1h');
  return { server, dataDir, client: new UploadClient(server, tokens.sign('H1', 'headset')), tokens };
}

export type StartAnswer = ServerStartAnswer;

/** The answer of POST /chunked-upload/sign-parts. */
export interface SignedParts {
  presignedUrls: StartAnswer['presignedUrls'];
}

/** The parts in the answer of GET /chunked-upload/parts. */
export interface ListedParts {
  parts: Array<{ partNumber: number; etag: string; size: number }>;
}

/** What a headset does, over real HTTP with the typed client. Every call returns status and JSON body. */
export class UploadClient {
  readonly http: CaptureHttp;

  constructor(
    readonly server: CaptureServer,
    readonly token: string,
  ) {
    this.http = new CaptureHttp({ baseUrl: server.url(), credential: { token } });
  }

  /** T names the fields a test reads from the JSON answer; it is not checked. */
  async call<T extends object = Record<string, unknown>>(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const { status, body: answer } = await this.http.send<T>(method, route, body, headers);
    return { status, body: answer };
  }

  async start(fileSize: number, extra: Record<string, unknown> = {}): Promise<StartAnswer> {
    const res = await this.call<StartAnswer>('POST', '/chunked-upload/start', {
      timestamp: '20260206_143052',
      fileType: 'video',
      fileSize,
      ...extra,
    });
    if (res.status !== 200) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
    return this.signRest(res.body);
  }

  /** As a client must: a start answer signs at most UPLOAD_URLS_PER_ANSWER parts; sign-parts signs the others. */
  async signRest(start: StartAnswer): Promise<StartAnswer> {
    const signed = new Set(start.presignedUrls.map((u) => u.partNumber));
    const missing = Array.from({ length: start.totalParts }, (_, i) => i + 1).filter((n) => !signed.has(n));
    const presignedUrls = [...start.presignedUrls];
    for (let i = 0; i < missing.length; i += 1000) {
      const signed = await this.http.uploads.signParts({
        uploadId: start.uploadId,
        s3Key: start.s3Key,
        partNumbers: missing.slice(i, i + 1000),
      });
      presignedUrls.push(...signed.presignedUrls);
    }
    return { ...start, presignedUrls };
  }

  /** PUTs one part's bytes to its presigned URL, as a headset would. */
  async putPart(url: string, bytes: Buffer) {
    const res = await fetch(url, { method: 'PUT', body: bytes });
    return { status: res.status, etag: res.headers.get('etag') ?? '', body: await res.text() };
  }

  async putAll(start: StartAnswer, file: Buffer, only?: number[]) {
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const { partNumber, url } of start.presignedUrls) {
      if (only && !only.includes(partNumber)) continue;
      const res = await this.putPart(url, slice(file, start.chunkSize, partNumber));
      if (res.status !== 200) throw new Error(`PUT part ${partNumber} failed: ${res.status} ${res.body}`);
      parts.push({ partNumber, etag: res.etag });
    }
    return parts;
  }

  complete(start: { uploadId: string; s3Key: string }, parts: Array<{ partNumber: number; etag: string }>) {
    return this.call('POST', '/chunked-upload/complete', { uploadId: start.uploadId, s3Key: start.s3Key, parts });
  }
}

export function slice(file: Buffer, chunkSize: number, partNumber: number): Buffer {
  return file.subarray((partNumber - 1) * chunkSize, partNumber * chunkSize);
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export const md5Etag = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;
export const randomFile = (size: number) => randomBytes(size);
export const MiB = 1024 * 1024;

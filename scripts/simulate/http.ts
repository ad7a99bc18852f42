import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { DeviceType } from '../../src/protocol';

/** A refused or failed HTTP call, with the server's status and error message. */
export class HttpCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpCallError';
  }
}

export type Credential = { apiKey: string } | { token: string };

export function authHeaders(credential: Credential): Record<string, string> {
  return 'apiKey' in credential ? { 'x-api-key': credential.apiKey } : { authorization: `Bearer ${credential.token}` };
}

/** JSON in, JSON out; a non-2xx answer throws with the server's `error` text. */
export async function callJson<T>(baseUrl: string, method: string, route: string, credential: Credential, body?: unknown): Promise<T> {
  const res = await fetch(new URL(route, baseUrl), {
    method,
    headers: { ...authHeaders(credential), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { error: text.slice(0, 200) };
  }
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    const error = (parsed as { error?: unknown }).error;
    throw new HttpCallError(
      res.status,
      `${method} ${route}: ${res.status} ${typeof error === 'string' ? error : ''}`.trim(),
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return parsed as T;
}

export type MintToken = (deviceId: string, deviceType: DeviceType) => Promise<string>;

/**
 * Mints device tokens with the admin key. The server limits failed token
 * requests per address; if the limit is hit anyway, this waits for the window
 * the 429 names instead of failing.
 */
export function adminTokenMinter(baseUrl: string, apiKey: string, onWait?: (seconds: number) => void, signal?: AbortSignal): MintToken {
  return async (deviceId, deviceType) => {
    for (;;) {
      try {
        const answer = await callJson<{ token: string }>(baseUrl, 'POST', '/auth/device-token', { apiKey }, { deviceId, deviceType });
        return answer.token;
      } catch (err) {
        if (!(err instanceof HttpCallError) || err.status !== 429 || signal?.aborted) throw err;
        const seconds = err.retryAfterSeconds ?? 10;
        onWait?.(seconds);
        await new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          const timer = setTimeout(resolve, seconds * 1000);
          signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (signal?.aborted) throw new Error('stopped while waiting for the token rate limit');
      }
    }
  };
}

/**
 * PUTs a stream of known length to a presigned part URL and answers its ETag.
 * A length (not chunked encoding) is sent because S3 refuses part uploads without one.
 */
export function putStream(url: string, body: Readable, length: number): Promise<string> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'PUT', headers: { 'content-length': String(length) }, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        const etag = res.headers.etag;
        if (res.statusCode === 200 && etag) resolve(etag);
        else reject(new HttpCallError(res.statusCode ?? 0, `PUT part: ${res.statusCode}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error('PUT part timed out')));
    req.on('error', reject);
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

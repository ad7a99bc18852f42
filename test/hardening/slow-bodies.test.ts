import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { carriesRecordingBytes } from '../../src/http/request-timeouts';
import { startServer } from '../helpers/test-server';

/**
 * Issue 17 item 7: bodies that never finish. A control route must authenticate
 * before it reads a body, and must not wait for one longer than HTTP_CONTROL_TIMEOUT_MS.
 */

interface Answer {
  status: number;
  body: string;
  /** Whether the server closed the connection after answering. */
  closed: Promise<void>;
}

/** Sends headers promising `declared` bytes of JSON and only the first few; never ends the body. */
function stalledPost(server: CaptureServer, path: string, headers: Record<string, string>, declared = 199 * 1024): Promise<Answer> {
  const { hostname, port } = new URL(server.url());
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent: false,
        host: hostname,
        port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': String(declared), ...headers },
      },
      (res) => {
        const closed = new Promise<void>((done) => res.socket.once('close', () => done()));
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, closed }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    // A request left without an answer is the finding; fail it rather than hang the file.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to the stalled ${path}`)));
    req.write('{"deviceId":"H1",');
  });
}

describe('slow request bodies', () => {
  const servers: CaptureServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServer({ env });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('refuses an unauthenticated control request without waiting for its body', async () => {
    // A control timeout far beyond the test's own: any answer comes from authentication.
    const server = await start({ HTTP_CONTROL_TIMEOUT_MS: '600000' });
    expect((await stalledPost(server, '/auth/device-token', {})).status).toBe(401);
    expect((await stalledPost(server, '/auth/device-token', { 'x-api-key': 'x'.repeat(40) })).status).toBe(401);
    expect((await stalledPost(server, '/chunked-upload/start', {})).status).toBe(401);
    expect((await stalledPost(server, '/chunked-upload/complete', { authorization: 'Bearer nope' })).status).toBe(401);
    // No JSON parser runs for routes that take no body at all.
    expect((await stalledPost(server, '/api/devices', {})).status).toBe(404);
  });

  it('answers 408 and closes the connection when an authenticated control body is too slow', async () => {
    const server = await start({ HTTP_CONTROL_TIMEOUT_MS: '300' });
    const answer = await stalledPost(server, '/auth/device-token', { 'x-api-key': server.config.auth.adminApiKey });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, code: 'request_timeout', error: 'request body too slow' });
    await answer.closed;
  });

  it('still serves a control request whose body arrives', async () => {
    const server = await start({ HTTP_CONTROL_TIMEOUT_MS: '300' });
    const res = await fetch(`${server.url()}/auth/device-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.config.auth.adminApiKey },
      body: JSON.stringify({ deviceId: 'H1', deviceType: 'headset' }),
    });
    expect(res.status).toBe(200);
  });

  it('keeps Node’s long limit for recording uploads only, and a short one for headers', async () => {
    const server = await start({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_UPLOAD_TIMEOUT_MS: '900000' });
    expect(server.httpServer.headersTimeout).toBe(5000);
    expect(server.httpServer.requestTimeout).toBe(900_000);
    expect(carriesRecordingBytes('PUT', '/local-upload/abc/1')).toBe(true);
    expect(carriesRecordingBytes('POST', '/upload-session')).toBe(true);
    for (const [method, path] of [
      ['POST', '/chunked-upload/start'],
      ['POST', '/chunked-upload/complete'],
      ['POST', '/auth/device-token'],
      ['PUT', '/upload-session'],
      ['POST', '/local-upload/abc/1'],
    ] as const) {
      expect(carriesRecordingBytes(method, path), `${method} ${path}`).toBe(false);
    }
  });
});

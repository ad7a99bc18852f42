import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { startNginxInFront, type Certificate, type ProxiedServer } from '../helpers/nginx';

/**
 * Real Nginx with the shipped site config in front of a real server: what a
 * headset or tablet sees in production, TLS included.

 */

/** Under an upload location, which streams bodies. */
const SINK_PATH = '/local-upload/__e2e-body-sink';
/** Under the control location, which buffers bodies. */
const CONTROL_SINK_PATH = '/__e2e-control-sink';

interface Sink {
  /** Emits 'progress' with the bytes received so far. */
  events: EventEmitter;
}

/**
 * A test-only route in front of the server's own handler that counts and hashes
 * a request body as it arrives. Until the upload endpoints exist it stands in for
 * them; it only sees requests that Nginx forwarded.
 */
function installBodySink(server: CaptureServer): Sink {
  const events = new EventEmitter();
  const [original] = server.httpServer.listeners('request') as http.RequestListener[];
  server.httpServer.removeAllListeners('request');
  server.httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url !== SINK_PATH && req.url !== CONTROL_SINK_PATH) return original!(req, res);
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
      events.emit('progress', bytes);
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), headers: req.headers }));
    });
  });
  return { events };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    res.on('error', reject);
  });
}

describe('Nginx in front of the server', () => {
  let server: CaptureServer;
  let proxy: ProxiedServer;
  let grafana: http.Server;
  let certificate: Certificate;
  let sink: Sink;
  let base: string;
  let plainBase: string;

  /** An HTTPS request through Nginx, trusting the throwaway certificate. */
  function request(pathname: string, options: https.RequestOptions = {}, body?: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${base}${pathname}`,
        { ca: certificate.pem, ...options },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  beforeAll(async () => {
    server = await startServer();
    sink = installBodySink(server);
    // Stands in for Grafana: answers with the path it was asked for.
    grafana = http.createServer((req, res) => res.end(JSON.stringify({ grafanaSaw: req.url })));
    await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
    proxy = await startNginxInFront(new URL(server.url()).host, {
      grafana: `127.0.0.1:${(grafana.address() as { port: number }).port}`,
    });
    ({ base, plainBase, certificate } = proxy);
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.close();
    await new Promise((resolve) => grafana?.close(resolve));
  });

  it('serves /test and /health over TLS', async () => {
    const test = await request('/test');
    expect(test.status).toBe(200);
    expect(JSON.parse(test.body)).toMatchObject({ ok: true });
    // One HSTS header, Nginx's: Node joins repeated headers with ", ", so two would show.
    expect(test.headers['strict-transport-security']).toBe('max-age=63072000');
    const health = await request('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, store: { kind: 'memory' } });
  });

  it('redirects plain HTTP to HTTPS', async () => {
    const res = await fetch(`${plainBase}/test?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://127.0.0.1/test?x=1');
  });

  it('refuses /metrics from outside while the server itself serves it', async () => {
    for (const pathname of ['/metrics', '/metrics/', '/METRICS', '/Metrics?format=text', '//metrics', '/%6Detrics']) {
      const proxied = await request(pathname);
      expect(proxied.status, pathname).toBe(403);
      expect(proxied.body).not.toContain('turing_');
    }
    // Express routes case-insensitively and ignores a trailing slash: each variant above
    // would reach the metrics handler if Nginx let it through.
    for (const pathname of ['/metrics', '/METRICS', '/metrics/']) {
      const direct = await fetch(`${server.url()}${pathname}`);
      expect(await direct.text()).toContain('turing_connected_devices_total');
    }
  });

  it('passes forwarded headers that the server trusts, and overwrites a spoofed X-Forwarded-For', async () => {
    const reply = await request(SINK_PATH, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.66' } }, Buffer.from('x'));
    const { headers } = JSON.parse(reply.body) as { headers: http.IncomingHttpHeaders };
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['x-real-ip']).toBe('127.0.0.1');
    // Nginx connects from loopback, which the server's default "trust proxy" believes;
    // an address outside it is not believed.
    const trust = server.app.get('trust proxy fn') as (addr: string, hop: number) => boolean;
    expect(trust('127.0.0.1', 0)).toBe(true);
    expect(trust('203.0.113.66', 0)).toBe(false);
  });

  it('streams a 10 MB request body to the server while the client is still sending it', async () => {
    const body = randomBytes(10 * 1024 * 1024);
    const half = body.length / 2;
    const result = new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        `${base}${SINK_PATH}`,
        { method: 'POST', ca: certificate.pem, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      // Send the first half, then hold the rest back until the server has seen
      // bytes: a buffering proxy would wait for the whole body and this would hang.
      req.write(body.subarray(0, half));
      const stalled = setTimeout(() => {
        req.destroy(new Error('the server received nothing while the client was sending: the proxy buffers request bodies'));
      }, 10_000);
      const onProgress = (received: number) => {
        if (received < 1024 * 1024) return;
        clearTimeout(stalled);
        sink.events.off('progress', onProgress);
        req.end(body.subarray(half));
      };
      sink.events.on('progress', onProgress);
    });
    const reply = await result;
    expect(reply.status).toBe(200);
    const echoed = JSON.parse(reply.body) as { bytes: number; sha256: string };
    expect(echoed.bytes).toBe(body.length);
    expect(echoed.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('reads a control request body whole before the server sees the request', async () => {
    // Sent chunked, without a length: only a proxy that buffered the whole body can tell the server its length.
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        `${base}${CONTROL_SINK_PATH}`,
        { method: 'POST', ca: certificate.pem, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.write('{"a":');
      req.end('1}');
    });
    expect(reply.status).toBe(200);
    const echoed = JSON.parse(reply.body) as { bytes: number; headers: http.IncomingHttpHeaders };
    expect(echoed.bytes).toBe(7);
    expect(echoed.headers['content-length']).toBe('7');
    expect(echoed.headers['transfer-encoding']).toBeUndefined();
  });

  it('answers 413 for a control body over 2 MB before reading it', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        `${base}${CONTROL_SINK_PATH}`,
        { method: 'POST', ca: certificate.pem, headers: { 'content-length': 3 * 1024 * 1024 } },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.write('only a few bytes');
    });
    expect(reply.status).toBe(413);
  });

  it('answers 413 for a body larger than MAX_UPLOAD_BYTES before reading it', async () => {
    const tooBig = server.config.limits.maxUploadBytes + 1;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        `${base}${SINK_PATH}`,
        { method: 'POST', ca: certificate.pem, headers: { 'content-length': tooBig } },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.write('only a few bytes');
    });
    expect(reply.status).toBe(413);
  });

  it('proxies /grafana/ to Grafana with the prefix kept', async () => {
    const reply = await request('/grafana/api/health');
    expect(JSON.parse(reply.body)).toEqual({ grafanaSaw: '/grafana/api/health' });
  });

  describe('Socket.IO through the proxy', () => {
    const clients: ClientSocket[] = [];
    const open = (transports: Array<'websocket' | 'polling'>, token?: string) => {
      const client = connect(base, { transports, ca: certificate.pem, reconnection: false, forceNew: true, auth: token ? { token } : {} });
      clients.push(client);
      return client;
    };
    const connected = (client: ClientSocket) =>
      new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
    const headsetToken = () => server.tokens.sign('QUEST_NGINX', 'headset');
    const tabletToken = () => server.tokens.sign('TABLET_NGINX', 'tablet');

    afterAll(() => {
      for (const client of clients) client.close();
    });

    it('refuses a client without a token through the proxy, saying why', async () => {
      const client = open(['websocket']);
      await expect(connected(client)).rejects.toThrow('authentication failed: no token');
    });

    it('carries a device-token handshake and event round trips over the proxied websocket', async () => {
      const tablet = open(['websocket'], tabletToken());
      await connected(tablet);
      expect(tablet.io.engine.transport.name).toBe('websocket');
      const listed = new Promise<string[]>((resolve) =>
        tablet.on('on-headsets-updated', (ids: string[]) => ids.includes('QUEST_NGINX') && resolve(ids)),
      );
      const headset = open(['websocket'], headsetToken());
      await connected(headset);
      expect(await headset.timeout(10_000).emitWithAck('headset-identify', 'QUEST_NGINX')).toEqual({ ok: true, deviceId: 'QUEST_NGINX' });
      expect(await listed).toContain('QUEST_NGINX');
      // A relayed event: the tablet watches the headset and receives its status.
      await tablet.timeout(10_000).emitWithAck('tablet-connect-headset', 'QUEST_NGINX');
      const status = new Promise<unknown[]>((resolve) => tablet.once('on-headset-status-updated', (...args: unknown[]) => resolve(args)));
      await headset.timeout(10_000).emitWithAck('headset-status', 'x'.repeat(10 * 1024));
      expect(await status).toEqual(['x'.repeat(10 * 1024), 'QUEST_NGINX']);
    });

    it('sees the client through forwarded headers on the handshake', async () => {
      const seen = new Promise<http.IncomingHttpHeaders>((resolve) =>
        server.io.once('connection', (socket) => resolve(socket.handshake.headers)),
      );
      const client = open(['websocket'], tabletToken());
      await connected(client);
      const headers = await seen;
      expect(headers['x-forwarded-proto']).toBe('https');
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    });

    it('upgrades from long-polling to websocket for clients that start with polling', async () => {
      const client = open(['polling', 'websocket'], tabletToken());
      await connected(client);
      await new Promise<void>((resolve) => {
        if (client.io.engine.transport.name === 'websocket') resolve();
        else client.io.engine.once('upgrade', () => resolve());
      });
      expect(await client.timeout(10_000).emitWithAck('tablet-get-active-session')).toEqual({ ok: true, session: null });
    });

    it('lets a client disconnect and connect again', async () => {
      const nextServerSocket = () => new Promise<ServerSocket>((resolve) => server.io.once('connection', resolve));
      let serverSide = nextServerSocket();
      const client = open(['websocket'], tabletToken());
      await connected(client);
      const first = await serverSide;
      const gone = new Promise<string>((resolve) => first.once('disconnect', resolve));
      client.disconnect();
      expect(await gone).toBe('client namespace disconnect');
      serverSide = nextServerSocket();
      const again = connected(client);
      client.connect();
      await again;
      expect((await serverSide).id).not.toBe(first.id);
      expect(await client.timeout(10_000).emitWithAck('tablet-get-active-session')).toEqual({ ok: true, session: null });
    });
  });

  it('completes a chunked upload through the proxy, with part URLs that point back through it', async () => {
    const auth = { authorization: `Bearer ${server.tokens.sign('QUEST_NGINX', 'headset')}`, 'content-type': 'application/json' };
    const file = randomBytes(12 * 1024 * 1024);
    const started = await request(
      '/chunked-upload/start',
      { method: 'POST', headers: auth },
      Buffer.from(JSON.stringify({ timestamp: '20260206_143052', fileType: 'video', fileSize: file.length })),
    );
    expect(started.status).toBe(200);
    const start = JSON.parse(started.body) as {
      uploadId: string;
      s3Key: string;
      chunkSize: number;
      presignedUrls: Array<{ partNumber: number; url: string }>;
    };
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (const { partNumber, url } of start.presignedUrls) {
      // The server saw https and Nginx's host through the forwarded headers.
      expect(url, `part URL ${url} should start with ${base}/`).toMatch(new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`));
      const bytes = file.subarray((partNumber - 1) * start.chunkSize, partNumber * start.chunkSize);
      const put = await request(url.slice(base.length), { method: 'PUT', headers: { 'content-length': bytes.length } }, bytes);
      expect(put.status).toBe(200);
      parts.push({ partNumber, etag: String(put.headers.etag) });
    }
    const completed = await request(
      '/chunked-upload/complete',
      { method: 'POST', headers: auth },
      Buffer.from(JSON.stringify({ uploadId: start.uploadId, s3Key: start.s3Key, parts })),
    );
    expect(completed.status).toBe(200);
    const stored = await server.storage.readObject(start.s3Key);
    const hash = createHash('sha256');
    for await (const chunk of stored) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(file).digest('hex'));
  });
});

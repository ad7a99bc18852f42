import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer, STORE_KINDS } from '../helpers/test-server';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each(STORE_KINDS)('HTTP basics on the %s store', (kind) => {
  const servers: CaptureServer[] = [];
  const start = async () => {
    const env = kind === 'redis' ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.uniquePrefix() } : {};
    const server = await startServer({ env });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('answers GET /test', async () => {
    const server = await start();
    const res = await fetch(`${server.url()}/test`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; timestamp: string };
    expect(body).toMatchObject({ ok: true });
    expect(new Date(body.timestamp).getTime()).not.toBeNaN();
  });

  it('reports version, uptime, store and storage in GET /health', async () => {
    const server = await start();
    const res = await fetch(`${server.url()}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      ok: true,
      status: 'ok',
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      store: { kind, reachable: true },
      storage: { kind: 'local', reachable: true },
    });
    // The absolute DATA_DIR is nobody's business outside (issue 17, 16).
    expect(JSON.stringify(body)).not.toContain(server.config.storage.dataDir);
  });

  it('serves Prometheus metrics with default process metrics and HTTP durations by route', async () => {
    const server = await start();
    await fetch(`${server.url()}/test`);
    await fetch(`${server.url()}/no/such/path/12345`);
    const res = await fetch(`${server.url()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/turing_http_request_duration_seconds_count\{method="GET",route="\/test",status="200"\} 1/);
    // Unknown paths share one label value, so scanners cannot explode cardinality.
    expect(text).toMatch(/turing_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    // The path itself is no label value (a bare '12345' could be digits of a gauge such as free bytes).
    expect(text).not.toContain('/no/such/path');
  });

  it('gives each request an id, keeping a well-formed incoming one', async () => {
    const server = await start();
    const fresh = await fetch(`${server.url()}/test`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${server.url()}/test`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${server.url()}/test`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toContain('bad');
  });

  it('answers unknown routes and malformed JSON with JSON errors and no stack trace', async () => {
    const server = await start();
    const missing = await fetch(`${server.url()}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ ok: false });
    // Bodies are parsed only by routes that take one, after authentication.
    const malformed = await fetch(`${server.url()}/auth/device-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.config.auth.adminApiKey },
      body: '{"unterminated',
    });
    expect(malformed.status).toBe(400);
    const text = await malformed.text();
    expect(JSON.parse(text)).toEqual({ ok: false, code: 'invalid', error: 'request body is not valid JSON' });
    expect(text).not.toMatch(/at .*\.js/);
  });

  it('runs two servers side by side and closes both', async () => {
    const a = await start();
    const b = await start();
    expect(a.url()).not.toBe(b.url());
    expect((await fetch(`${b.url()}/test`)).status).toBe(200);
    const aUrl = a.url();
    await a.close();
    await expect(fetch(`${aUrl}/test`)).rejects.toThrow();
    expect((await fetch(`${b.url()}/test`)).status).toBe(200);
  });
});

describe('health when a dependency is down', () => {
  it('reports storage trouble as degraded, with the reason and the fix, not ok: true', async () => {
    // DATA_DIR beneath a regular file cannot be created, whoever runs the test.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'capture-health-')), 'a-file');
    writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const server = await startServer({ env: { DATA_DIR: dataDir } });
    try {
      const res = await fetch(`${server.url()}/health`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { storage: { error: string; fix: string } };
      expect(body).toMatchObject({
        ok: false,
        status: 'degraded',
        store: { reachable: true },
        storage: { kind: 'local', reachable: false },
      });
      expect(body.storage.error).toContain('ENOTDIR');
      // The fix names the variable, not the absolute path (/health shows no DATA_DIR).
      expect(body.storage.fix).toContain('DATA_DIR is a writable directory');
      expect(JSON.stringify(body)).not.toContain(dataDir);
    } finally {
      await server.close();
    }
  });

  it('answers 503 while Redis is unreachable and 200 once it is back', async () => {
    const own = await startTestRedis();
    if (!own.kill || !own.start) {
      // REDIS_URL points at a shared server this test must not stop.
      await own.stop();
      return;
    }
    const server = await startServer({ env: { REDIS_URL: own.url } });
    try {
      expect((await fetch(`${server.url()}/health`)).status).toBe(200);
      await own.kill();
      const down = await fetch(`${server.url()}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        ok: false,
        store: { kind: 'redis', reachable: false, error: `cannot connect to Redis at 127.0.0.1:${new URL(own.url).port}; check REDIS_URL` },
      });
      await own.start();
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await fetch(`${server.url()}/health`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      await server.close();
      await own.stop();
    }
  });

  it('protects /metrics with METRICS_TOKEN when one is set', async () => {
    const server = await startServer({ env: { METRICS_TOKEN: 'scrape-secret' } });
    try {
      expect((await fetch(`${server.url()}/metrics`)).status).toBe(401);
      const ok = await fetch(`${server.url()}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

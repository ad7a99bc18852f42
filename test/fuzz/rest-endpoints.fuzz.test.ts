import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { fuzzSettings, hostilePayload, hostileString, poisoned, TRAVERSALS } from './arbitraries';
import { checkInvariants, prototypeSnapshot, watchProcess } from './invariants';
import { endpointsOf, rawRequest, type Endpoint } from './raw-http';

/**
 * Every REST endpoint (read from the Express app) with malformed JSON, wrong
 * content types, oversized bodies and path traversal in every parameter, query
 * value and body field: the answer is never a 5xx and never shows a stack.
 */

/** A stack frame, a source path or a module path in a response would tell an attacker about the code. */
const LEAK = /\bat \S+ \(|\.ts:\d+|node_modules|\/src\/|\/work\/|Error: /;

const TEMPLATES: Record<string, Record<string, unknown>> = {
  '/auth/device-token': { deviceId: 'QUEST_001', deviceType: 'headset' },
  '/chunked-upload/start': { timestamp: '20260206_143052', fileType: 'video', fileSize: 1000, sessionId: 's1', fileName: 'a.mp4' },
  '/chunked-upload/sign-parts': { uploadId: 'u1', s3Key: 'sessions/20260206_143052/recording.mp4', partNumbers: [1] },
  '/chunked-upload/complete': { uploadId: 'u1', s3Key: 'sessions/20260206_143052/recording.mp4', parts: [{ partNumber: 1, etag: '"e"' }] },
  '/chunked-upload/abort': { uploadId: 'u1', s3Key: 'sessions/20260206_143052/recording.mp4' },
};
const QUERY_KEYS = [
  'uploadId',
  's3Key',
  'status',
  'tabletId',
  'limit',
  'cursor',
  'token',
  'sig',
  'expires',
  'sessionId',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'a[]',
  'a[b][c]',
];
/** Path segments sent as they are: what fetch would normalise away. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '%00',
  '%',
  '%E0%A4%A',
  '....%2f%2f',
  '%5c..%5c..',
  'QUEST_001',
  '1',
  '99999999999',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-7',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'application/xml',
];
const MALFORMED = [
  '{',
  '{"a":',
  '[1,2',
  'null',
  '"string"',
  'undefined',
  '\u0000',
  '{"a":1}garbage',
  '\ufeff{"a":1}',
  '{"__proto__":{"polluted":1}}',
  '{'.repeat(5000),
  '['.repeat(100_000),
];

interface Auth {
  name: string;
  headers: (tokens: Record<string, string>) => Record<string, string>;
}
const AUTHS: Auth[] = [
  { name: 'none', headers: () => ({}) },
  { name: 'admin', headers: (t) => ({ 'x-api-key': t.admin! }) },
  { name: 'headset', headers: (t) => ({ authorization: `Bearer ${t.headset}` }) },
  { name: 'tablet', headers: (t) => ({ authorization: `Bearer ${t.tablet}` }) },
  { name: 'dashboard', headers: (t) => ({ authorization: `Bearer ${t.dashboard}` }) },
  { name: 'garbage', headers: () => ({ authorization: 'Bearer a.b.c', 'x-api-key': '../../etc/passwd' }) },
  { name: 'malformed', headers: () => ({ authorization: 'Basic Og==', 'x-api-key': '' }) },
];

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let node: Record<string, unknown> = copy;
  for (const key of keyPath.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keyPath[keyPath.length - 1]!] = value;
  return copy;
}

/** Paths to every leaf of a template, so each field in turn gets a hostile value. */
function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  return [prefix];
}

/** Mostly URLs a server reads (under Node's 16 KiB header limit), sometimes one it refuses with 431. */
const urlString = fc.oneof(
  { arbitrary: hostileString.filter((s) => s.length < 2_000), weight: 20 },
  { arbitrary: fc.constant('x'.repeat(20_000)), weight: 1 },
);
const segment = fc.oneof(fc.constantFrom(...RAW_SEGMENTS), urlString.map(encode));

const body = (endpointPath: string) => {
  const template = TEMPLATES[endpointPath] ?? { deviceId: 'QUEST_001' };
  const fields = leaves(template);
  return fc.oneof(
    fc.constant<string | undefined>(undefined),
    fc.constantFrom(...MALFORMED),
    fc
      .tuple(fc.constantFrom(...fields), fc.oneof(hostileString, hostilePayload, poisoned))
      .map(([field, value]) => safeJson(setPath(template, field, value))),
    fc
      .tuple(poisoned, fc.constant(template))
      .map(([poison, t]) => safeJson(Object.assign(JSON.parse(JSON.stringify(poison)) as object, t))),
    hostilePayload.map(safeJson),
    fc.integer({ min: 150_000, max: 1_500_000 }).map((n) => JSON.stringify({ ...template, padding: 'x'.repeat(n) })),
    fc.tuple(hostileString, fc.constantFrom(...TRAVERSALS)).map(([timestamp, filename]) => multipart(timestamp, filename)),
  );
};

/** Lone surrogates cannot be percent-encoded; they become the replacement character. */
function encode(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '{}';
  }
}

function multipart(timestamp: string, filename: string): string {
  const b = 'fuzz';
  return [
    `--${b}\r\nContent-Disposition: form-data; name="timestamp"\r\n\r\n${timestamp}\r\n`,
    `--${b}\r\nContent-Disposition: form-data; name="video"; filename="${filename.replace(/["\r\n]/g, '')}"\r\nContent-Type: video/mp4\r\n\r\nbytes\r\n`,
    `--${b}--\r\n`,
  ].join('');
}

function request(endpoint: Endpoint) {
  const pathArb = fc
    .array(segment, { minLength: 2, maxLength: 2 })
    .map(([a, b]) => endpoint.path.replace(/:[A-Za-z]+/, a!).replace(/:[A-Za-z]+/, b!));
  const query = fc.option(
    fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(segment, urlString.map(encode))), { minLength: 1, maxLength: 4 }),
  );
  return fc.record({
    endpoint: fc.constant(endpoint),
    path: pathArb,
    query,
    auth: fc.constantFrom(...AUTHS),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES)),
    body: endpoint.method === 'GET' ? fc.constant(undefined) : body(endpoint.path),
  });
}

describe.each(STORE_KINDS)('REST endpoints under fuzzing (%s store)', (kind) => {
  const redis = useTestRedis();
  const newServer = serverFactory(kind, redis, { TOKEN_REQUESTS_PER_MINUTE: '100000' });
  const watch = watchProcess();
  const prototypes = prototypeSnapshot();
  afterAll(() => watch.stop());

  it('answers every endpoint with 4xx (never 5xx, never a stack) and writes nothing outside DATA_DIR', async () => {
    // DATA_DIR inside a directory of its own: a traversal that escaped it would leave something beside it.
    const jail = mkdtempSync(path.join(os.tmpdir(), 'capture-fuzz-'));
    const server = await newServer({ DATA_DIR: path.join(jail, 'data') });
    const endpoints = endpointsOf(server.app);
    expect(endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(
      expect.arrayContaining([
        'POST /auth/device-token',
        'PUT /local-upload/:uploadId/:partNumber',
        'GET /api/sessions/:sessionId',
        'POST /upload-session',
      ]),
    );
    const tokens = {
      admin: server.config.auth.adminApiKey,
      headset: tokenFor(server, 'QUEST_001', 'headset'),
      tablet: tokenFor(server, 'TABLET_A', 'tablet'),
      dashboard: tokenFor(server, 'DASH_1', 'dashboard'),
    };
    const statuses = new Map<number, number>();
    const { seed, numRuns } = fuzzSettings(`REST (${kind})`, kind === 'memory' ? 800 : 300);

    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...endpoints).chain(request), { minLength: 4, maxLength: 4 }), async (batch) => {
        await Promise.all(
          batch.map(async (r) => {
            const qs = r.query ? `?${r.query.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
            const headers: Record<string, string> = { ...r.auth.headers(tokens) };
            if (r.contentType) headers['content-type'] = r.contentType;
            const res = await rawRequest(server.url(), { method: r.endpoint.method, path: `${r.path}${qs}`, headers, body: r.body });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const what = `${r.endpoint.method} ${r.path}${qs.slice(0, 200)} as ${r.auth.name} (${r.contentType}) -> ${res.status} ${res.text.slice(0, 300)}`;
            // Node answers 431 to headers over 16 KiB and closes, as Express does after a 413.
            const oversized = Buffer.byteLength(r.body ?? '') > 200_000 || r.path.length + qs.length > 16 * 1024;
            if (res.status === 0) expect(oversized, `connection reset on a small request: ${what}`).toBe(true);
            else expect(res.status, what).toBeLessThan(500);
            expect(res.text, what).not.toMatch(LEAK);
            expect(res.text, what).not.toContain(tokens.admin);
            expect(res.text, what).not.toContain(server.config.auth.jwtSecret);
          }),
        );
      }),
      { seed, numRuns, endOnFailure: true },
    );
    console.log(
      `[fuzz] REST (${kind}): ${numRuns * 4} requests over ${endpoints.length} endpoints; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );

    expect(readdirSync(jail)).toEqual(['data']);
    await checkInvariants(server, { tablets: new Set(['TABLET_FRESH']), probedIds: TRAVERSALS, prototypes });
    expect(watch.failures).toEqual([]);
  }, 120_000);
});

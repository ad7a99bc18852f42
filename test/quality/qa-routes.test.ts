import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth';
import type { CaptureServer } from '../../src/app';
import { testConfig } from '../../src/config';
import type { QaMetrics, QaSession } from '../../src/quality/qa-types';
import { MemoryStore, RedisStore, type Store } from '../../src/state';
import { LocalStorage, type ObjectStorage } from '../../src/storage';
import { countingStorage } from '../helpers/counting-storage';
import { startServer } from '../helpers/test-server';
import { localWriter, putAll, s3Writer, type PutObject } from '../helpers/object-writer';
import { startS3Server, type TestS3 } from '../helpers/s3-server';
import { expectScoresMatch } from './score-match';
import { defaultTtls } from '../state/store.contract';

const FIXTURES = path.join(__dirname, 'fixtures');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  { overallQualityScore: number; stages: QaSession['stages'] }
>;
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.npz'))
  .sort();
const CONFIG_ENV = { SHUTDOWN_TIMEOUT_MS: '2000' };
const config = testConfig(CONFIG_ENV);
const ADMIN = { 'x-api-key': config.auth.adminApiKey };
const tokens = new TokenService(config.auth.jwtSecret, '1h');
const silent = pino({ level: 'silent' });

/** One session per fixture (every other one without its video), plus one with a video and no NPZ. */
const sessionOf = (i: number) => `20260206_${String(100000 + i * 100).slice(-6)}`;
const NO_NPZ = '20260207_090000';

async function seed(put: PutObject) {
  const objects = fixtures.flatMap((file, i) => [
    { key: `sessions/${sessionOf(i)}/session_data.npz`, body: readFileSync(path.join(FIXTURES, file)) },
    ...(i % 2 === 0 ? [{ key: `sessions/${sessionOf(i)}/recording.mp4`, body: 'video' }] : []),
  ]);
  objects.push({ key: `sessions/${NO_NPZ}/recording.mp4`, body: 'video' }, { key: 'client_output/out.zip', body: 'zip' });
  await putAll(put, objects);
}

async function get<T>(server: CaptureServer, url: string, headers: Record<string, string> = ADMIN): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url()}${url}`, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

function start(storage: ObjectStorage, store?: Store): Promise<CaptureServer> {
  return startServer({ env: CONFIG_ENV, storage, store: store ?? new MemoryStore(config.ttl) });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const kind of ['s3', 'local'] as const) {
  describe(`QA metrics over ${kind} storage`, () => {
    let s3: TestS3 | undefined;
    let reads: string[];
    let put: PutObject;
    let server: CaptureServer;

    beforeAll(async () => {
      let inner: ObjectStorage;
      if (kind === 's3') {
        s3 = await startS3Server();
        inner = s3.storage;
        put = s3Writer(s3.storage);
      } else {
        const local = new LocalStorage(mkdtempSync(path.join(os.tmpdir(), 'capture-qa-')));
        inner = local;
        put = localWriter(local);
      }
      const counting = countingStorage(inner);
      reads = counting.reads;
      await seed(put);
      server = await start(counting.storage);
    });
    afterAll(async () => {
      await server?.close();
      await s3?.stop();
    });

    it('scores every session as scripts/parse_npz.py does, with the spec aggregates', async () => {
      const { status, body } = await get<QaMetrics>(server, '/api/qa-metrics');
      expect(status).toBe(200);
      expect((body as QaMetrics & { ok: boolean }).ok).toBe(true);
      expect(body.sessions.map((s) => s.sessionId)).toEqual([NO_NPZ, ...fixtures.map((_, i) => sessionOf(i)).reverse()]);
      fixtures.forEach((file, i) => {
        const session = body.sessions.find((s) => s.sessionId === sessionOf(i))!;
        expectScoresMatch(
          { stages: session.stages, overallQualityScore: session.overallQualityScore },
          { stages: expected[file]!.stages, overallQualityScore: expected[file]!.overallQualityScore },
          file,
        );
        expect(session.status).toBe(i % 2 === 0 ? 'complete' : 'incomplete');
      });
      const noNpz = body.sessions[0]!;
      expect(noNpz).toMatchObject({ status: 'incomplete', overallQualityScore: 0, captureDate: '2026-02-07T09:00:00Z' });
      expect(noNpz.issues).toEqual(['no session_data.npz in this session']);
      expect(body.sessions.find((s) => s.sessionId === sessionOf(fixtures.indexOf('good_bigendian_unicode_v2.npz')))!.captureDate).toBe(
        '2026-02-06T15:30:52.250+01:00',
      );
      // A file without a valid capture_date falls back to the session folder's time.
      expect(body.sessions.find((s) => s.sessionId === sessionOf(fixtures.indexOf('bad_date.npz')))!.captureDate).toBe(
        sessionOf(fixtures.indexOf('bad_date.npz')).replace(/^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3T$4:$5:$6Z'),
      );

      const scores = [...fixtures.map((f) => expected[f]!), { overallQualityScore: 0, stages: body.sessions[0]!.stages }];
      expect(body.overview).toMatchObject({ totalSessions: fixtures.length + 1, completeSessions: Math.ceil(fixtures.length / 2) });
      expect(Date.now() - Date.parse(body.overview.lastUpdated)).toBeLessThan(60_000);
      expectScoresMatch(body.aggregateStats, {
        avgCaptureQuality: mean(scores.map((s) => s.stages.stage2_captureQuality.score)),
        avgTrackingConfidence: mean(scores.map((s) => s.stages.stage12_trackingConfidence.score)),
        avgValidationScore: mean(scores.map((s) => s.stages.stage10_validationTests.score)),
        sessionsWithIssues: scores.filter((s) => s.overallQualityScore < 80).length,
      });

      const metrics = await (await fetch(`${server.url()}/metrics`)).text();
      expect(metrics).toContain(`turing_qa_sessions_with_issues ${body.aggregateStats.sessionsWithIssues}`);
      expect(metrics).toContain(`turing_qa_sessions_analyzed ${scores.length}`);
      const stage = (name: string) => Number(new RegExp(`^turing_qa_average_score\\{stage="${name}"\\} (\\S+)$`, 'm').exec(metrics)![1]);
      expect(stage('overall')).toBeCloseTo(mean(scores.map((s) => s.overallQualityScore)), 6);
      expect(stage('capture_quality')).toBeCloseTo(body.aggregateStats.avgCaptureQuality, 6);
      expect(stage('validation')).toBeCloseTo(body.aggregateStats.avgValidationScore, 6);
      expect(stage('tracking_confidence')).toBeCloseTo(body.aggregateStats.avgTrackingConfidence, 6);
    });

    it('reads each file once: a refresh reads nothing, a replaced file is read again', async () => {
      await get(server, '/api/qa-metrics');
      reads.length = 0;
      const again = await get<QaMetrics>(server, '/api/qa-metrics');
      expect(reads).toEqual([]);
      const target = fixtures.indexOf('good_object_f32.npz');
      // New content (every fixture is already stored somewhere, and equal content rightly shares a cached score).
      await put(`sessions/${sessionOf(target)}/session_data.npz`, 'overwritten by something that is not a zip');
      const changed = await get<QaMetrics>(server, '/api/qa-metrics');
      expect(reads).toEqual([`sessions/${sessionOf(target)}/session_data.npz`]);
      const session = changed.body.sessions.find((s) => s.sessionId === sessionOf(target))!;
      expect(session.overallQualityScore).toBe(0);
      expect(session.issues.join()).toMatch(/unreadable NPZ/);
      expect(again.body.sessions.find((s) => s.sessionId === sessionOf(target))!.overallQualityScore).toBeCloseTo(
        expected['good_object_f32.npz']!.overallQualityScore,
        6,
      );
    });

    it('answers one session, and refuses bad or unknown ones', async () => {
      const i = fixtures.indexOf('wrong_total_frames.npz');
      const one = await get<QaSession>(server, `/api/qa-metrics/${sessionOf(i)}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ ok: true, sessionId: sessionOf(i) });
      expect(one.body.stages.stage10_validationTests).toMatchObject({ frameCountCheck: false, npzIntegrityCheck: true });
      expect(one.body.issues.join()).toMatch(/total_frames is 601/);
      expect((await get(server, '/api/qa-metrics/20300101_000000')).status).toBe(404);
      for (const bad of ['..%2F..%2Fetc', 'session_123', '2026-02-06_14:30:52']) {
        const res = await get<{ error: string }>(server, `/api/qa-metrics/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error).toMatch(/YYYYMMDD_HHMMSS/);
      }
      expect((await get(server, '/api/qa-metrics?foo=1')).status).toBe(400);
    });
  });
}

describe('QA metrics access and failures', () => {
  let s3: TestS3;
  let server: CaptureServer | undefined;
  beforeAll(async () => {
    s3 = await startS3Server();
    await seed(s3Writer(s3.storage));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('admits the admin key and dashboard or tablet tokens, nothing else', async () => {
    server = await start(s3.storage);
    const bearer = (type: 'headset' | 'tablet' | 'dashboard') => ({ authorization: `Bearer ${tokens.sign(`${type}-1`, type)}` });
    expect((await get(server, '/api/qa-metrics', {})).status).toBe(401);
    expect((await get(server, '/api/qa-metrics', { 'x-api-key': 'wrong-key-wrong-key-wrong-key' })).status).toBe(401);
    expect((await get(server, '/api/qa-metrics', bearer('headset'))).status).toBe(403);
    expect((await get(server, '/api/qa-metrics', bearer('dashboard'))).status).toBe(200);
    expect((await get(server, `/api/qa-metrics/${sessionOf(0)}`, bearer('tablet'))).status).toBe(200);
  });

  it('reads each file once when requests arrive together', async () => {
    const counting = countingStorage(s3.storage);
    server = await start(counting.storage);
    const answers = await Promise.all([1, 2, 3].map(() => get<QaMetrics>(server!, '/api/qa-metrics')));
    for (const answer of answers) expect(answer.body.sessions).toHaveLength(fixtures.length + 1);
    expect(counting.reads.sort()).toEqual(fixtures.map((_, i) => `sessions/${sessionOf(i)}/session_data.npz`).sort());
  });

  it('still answers when the store is unreachable (nothing cached, nothing broken)', async () => {
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix: '',
      ttls: defaultTtls,
      logger: silent,
      redisOptions: { retryStrategy: () => 50, connectTimeout: 200 },
    });
    server = await start(s3.storage, store);
    const { status, body } = await get<QaMetrics>(server, '/api/qa-metrics');
    expect(status).toBe(200);
    expect(body.sessions).toHaveLength(fixtures.length + 1);
  });

  it('answers 503 while storage is down, and the server keeps running', async () => {
    const down = await startS3Server();
    server = await start(down.storage);
    await down.stop();
    const res = await get<{ error: string }>(server, '/api/qa-metrics');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/storage is unavailable/);
    expect((await fetch(`${server.url()}/test`)).status).toBe(200);
  });
});

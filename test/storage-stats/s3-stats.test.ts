import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, utimesSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { testConfig } from '../../src/config';
import { MemoryStore } from '../../src/state';
import { LocalStorage, type ObjectStorage } from '../../src/storage';
import type { S3Stats } from '../../src/storage-stats/s3-stats';
import { localWriter, putAll, s3Writer, type PutObject } from '../helpers/object-writer';
import { startS3Server, type TestS3 } from '../helpers/s3-server';
import { eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const sid = (i: number) => `2026${String(1010000000 + i).slice(-10, -6)}_${String(i).padStart(6, '0')}`;

interface Generated {
  key: string;
  size: number;
  /** Day offset (0-2) the local driver dates the file at. */
  day: number;
}

/**
 * 2,500 objects: 700 complete sessions (mp4 + npz, the first 200 with notes.txt
 * too), 200 with only a video, 100 with only an NPZ, 550 processed zips and 50
 * files without extension at the root. Sizes are small but all different.
 */
function generate(): Generated[] {
  const out: Generated[] = [];
  const add = (key: string, size: number) => out.push({ key, size, day: out.length % 3 });
  for (let i = 0; i < 1000; i++) {
    if (i < 900) add(`sessions/${sid(i)}/recording.mp4`, 40 + (i % 37));
    if (i < 700 || i >= 900) add(`sessions/${sid(i)}/session_data.npz`, 10 + (i % 13));
    if (i < 200) add(`sessions/${sid(i)}/notes.txt`, 3);
  }
  for (let i = 0; i < 550; i++) add(`client_output/package_${String(i).padStart(4, '0')}.zip`, 100 + (i % 50));
  for (let i = 0; i < 50; i++) add(`readme${i}`, 1);
  return out;
}

const objects = generate();
const DAYS = ['2026-02-04', '2026-02-05', '2026-02-06'];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sizesOf = (ext: string) => objects.filter((o) => o.key.endsWith(`.${ext}`)).map((o) => o.size);
function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const CONFIG_ENV = { S3_STATS_CACHE_SECONDS: '300', AWS_REGION: 'eu-west-1', S3_PRICE_DEEP_ARCHIVE_GB_MONTH: '0.002' };
const config = testConfig(CONFIG_ENV);
const ADMIN = { 'x-api-key': config.auth.adminApiKey };

async function stats(server: CaptureServer, query = ''): Promise<S3Stats> {
  const res = await fetch(`${server.url()}/api/s3-stats${query}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  const body = (await res.json()) as S3Stats & { ok: boolean };
  // Like every other route.
  expect(body.ok).toBe(true);
  return body;
}

function expectWholeBucket(s: S3Stats): void {
  const total = sum(objects.map((o) => o.size));
  expect(s.overview).toMatchObject({ totalFiles: 2500, totalSizeBytes: total });
  expect(s.overview.totalSizeGB).toBeCloseTo(total / GB, 12);
  expect(s.overview.averageFileSizeMB).toBeCloseTo(total / 2500 / MB, 12);

  const counts = { mp4: 900, npz: 800, zip: 550, txt: 200, '(none)': 50 };
  expect(Object.keys(s.byType).sort()).toEqual(Object.keys(counts).sort());
  for (const [ext, count] of Object.entries(counts)) {
    const bytes = ext === '(none)' ? 50 : sum(sizesOf(ext));
    expect(s.byType[ext]!.count, ext).toBe(count);
    expect(s.byType[ext]!.sizeGB).toBeCloseTo(bytes / GB, 12);
    expect(s.byType[ext]!.percentage).toBeCloseTo((100 * bytes) / total, 9);
  }

  expect(s.sessions).toMatchObject({ total: 1000, complete: 700, incomplete: 300 });
  const first = s.sessions.sessions.find((x) => x.id === sid(0))!;
  expect(first).toMatchObject({ files: 3, hasMp4: true, hasNpz: true, status: 'complete' });
  expect(first.sizeGB).toBeCloseTo((40 + 10 + 3) / GB, 15);
  expect(s.sessions.sessions.find((x) => x.id === sid(850))).toMatchObject({ files: 1, hasMp4: true, hasNpz: false, status: 'incomplete' });
  expect(s.sessions.sessions.find((x) => x.id === sid(950))).toMatchObject({ files: 1, hasMp4: false, hasNpz: true, status: 'incomplete' });

  expect(s.processedOutputs.count).toBe(550);
  expect(s.processedOutputs.files[0]).toMatchObject({ name: 'package_0000.zip' });
  expect(s.processedOutputs.sizeGB).toBeCloseTo(sum(sizesOf('zip')) / GB, 12);

  expect(sum(s.timeline.map((d) => d.files))).toBe(2500);
  expect(sum(s.timeline.map((d) => d.mp4Count))).toBe(900);
  expect(sum(s.timeline.map((d) => d.npzCount))).toBe(800);
  expect(sum(s.timeline.map((d) => d.zipCount))).toBe(550);

  const gb = total / GB;
  expect(s.costs.currentMonthly).toBeCloseTo(gb * 0.023, 15);
  expect(s.costs.intelligentTiering).toBeCloseTo(gb * 0.0125, 15);
  expect(s.costs.glacierDeepArchive).toBeCloseTo(gb * 0.002, 15);
  expect(s.costs.costPerSession).toBeCloseTo((gb * 0.023) / 1000, 18);

  const mp4 = sizesOf('mp4');
  const npz = sizesOf('npz');
  expect(s.insights.videoStats.count).toBe(900);
  expect(s.insights.videoStats.minGB).toBeCloseTo(40 / GB, 15);
  expect(s.insights.videoStats.maxGB).toBeCloseTo(76 / GB, 15);
  expect(s.insights.videoStats.avgGB).toBeCloseTo(sum(mp4) / 900 / GB, 15);
  expect(s.insights.videoStats.medianGB).toBeCloseTo(medianOf(mp4) / GB, 15);
  expect(s.insights.npzStats).toMatchObject({ count: 800 });
  expect(s.insights.npzStats.minMB).toBeCloseTo(10 / MB, 12);
  expect(s.insights.npzStats.maxMB).toBeCloseTo(22 / MB, 12);
  expect(s.insights.npzStats.medianMB).toBeCloseTo(medianOf(npz) / MB, 12);
  expect(s.insights.npzStats.avgMB).toBeCloseTo(sum(npz) / 800 / MB, 12);
}

function startWith(storage: ObjectStorage): Promise<CaptureServer> {
  return startServer({ env: CONFIG_ENV, storage, store: new MemoryStore(config.ttl) });
}

describe('S3 statistics over s3rver (2,500 objects, three list pages)', () => {
  let s3: TestS3;
  let server: CaptureServer;
  let put: PutObject;
  let listRequests = 0;

  beforeAll(async () => {
    s3 = await startS3Server();
    put = s3Writer(s3.storage);
    await putAll(
      put,
      objects.map((o) => ({ key: o.key, body: 'x'.repeat(o.size) })),
    );
    // Count the SDK's real list requests, to see paging happen.
    s3.storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') listRequests++;
        return next(args);
      },
      { step: 'initialize', name: 'countLists' },
    );
    server = await startWith(s3.storage);
    // The server's own gauge refresh lists the bucket once at start; let it finish before counting lists.
    await eventually(async () => {
      const metrics = await (await fetch(`${server.url()}/metrics`)).text();
      expect(metrics).toContain('turing_storage_sessions{status="complete"} 700');
      expect(metrics).toMatch(/^turing_qa_sessions_analyzed [1-9]\d*$/m);
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await s3?.stop();
  });

  it('lists the whole bucket past 1,000 objects and answers the spec S3Stats', async () => {
    listRequests = 0;
    const s = await stats(server);
    expect(listRequests).toBe(3);
    expectWholeBucket(s);
    const today = new Date().toISOString().slice(0, 10);
    expect(s.timeline.map((d) => d.date)).toContain(today);
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    const gaugeSum = (name: string) =>
      [...metrics.matchAll(new RegExp(`^${name}\\{type="[a-z0-9]+"\\} (\\d+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(gaugeSum('turing_storage_bytes')).toBe(s.overview.totalSizeBytes);
    expect(gaugeSum('turing_storage_objects')).toBe(s.overview.totalFiles);
    expect(metrics).toContain(`turing_storage_objects{type="mp4"} ${s.byType.mp4!.count}`);
    expect(metrics).toContain(`turing_storage_monthly_cost_dollars{tier="standard"} ${s.costs.currentMonthly}`);
    expect(metrics).toContain('turing_storage_sessions{status="complete"} 700');
    expect(metrics).toContain('turing_storage_sessions{status="incomplete"} 300');
  });

  it('serves the cached answer until refresh=true', async () => {
    const before = await stats(server);
    listRequests = 0;
    await put('sessions/20991231_235959/recording.mp4', 'new');
    const cached = await stats(server);
    expect(listRequests).toBe(0);
    expect(cached.overview.totalFiles).toBe(before.overview.totalFiles);
    const fresh = await stats(server, '?refresh=true');
    expect(listRequests).toBe(3);
    expect(fresh.overview.totalFiles).toBe(before.overview.totalFiles + 1);
    expect(fresh.sessions.total).toBe(1001);
    const bad = await fetch(`${server.url()}/api/s3-stats?refresh=yes`, { headers: ADMIN });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url()}/api/s3-stats`)).status).toBe(401);
  });
});

describe('S3 statistics over the local driver', () => {
  let server: CaptureServer;

  beforeAll(async () => {
    const local = new LocalStorage(mkdtempSync(path.join(os.tmpdir(), 'capture-stats-')));
    await putAll(
      localWriter(local),
      objects.map((o) => ({ key: o.key, body: 'x'.repeat(o.size) })),
    );
    for (const o of objects) {
      const when = new Date(`${DAYS[o.day]}T12:00:00Z`);
      utimesSync(local.pathOf(o.key), when, when);
    }
    server = await startWith(local);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers the same S3Stats, with a timeline by day of modification', async () => {
    const s = await stats(server);
    expectWholeBucket(s);
    expect(s.timeline.map((d) => d.date)).toEqual(DAYS);
    for (const [i, day] of s.timeline.entries()) {
      const on = objects.filter((o) => o.day === i);
      expect(day.files).toBe(on.length);
      expect(day.sizeGB).toBeCloseTo(sum(on.map((o) => o.size)) / GB, 12);
      expect(day.mp4Count).toBe(on.filter((o) => o.key.endsWith('.mp4')).length);
    }
    expect(s.processedOutputs.files[0]!.date).toBe(`${DAYS[objects.find((o) => o.key.startsWith('client_output/'))!.day]}T12:00:00.000Z`);
  });
});

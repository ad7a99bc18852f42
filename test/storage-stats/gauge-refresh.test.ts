import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { LocalStorage } from '../../src/storage';
import { serverFactory, STORE_KINDS, useTestRedis, type StoreKind } from '../helpers/test-server';
import { eventually } from '../helpers/clients';
import { localWriter } from '../helpers/object-writer';

const redis = useTestRedis();
const NPZ = readFileSync(path.join(__dirname, '..', 'quality', 'fixtures', 'good_object_f32.npz'));

/** A DATA_DIR holding one complete recording, as a restarted server finds it. */
async function recordedDataDir(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-gauges-'));
  const put = localWriter(new LocalStorage(dir));
  await put('sessions/20260206_143052/recording.mp4', 'video');
  await put('sessions/20260206_143052/session_data.npz', NPZ);
  return dir;
}

const metricsOf = async (server: CaptureServer) => (await fetch(`${server.url()}/metrics`)).text();

/**
 * The QA and storage gauges are the server's own work: after a restart they
 * are filled without anyone calling /api/qa-metrics or /api/s3-stats, and in a
 * cluster one process (the lease holder) does the listing.
 */
describe.each(STORE_KINDS)('QA and storage gauges refreshed by the server on the %s store', (kind: StoreKind) => {
  const start = serverFactory(kind, redis);

  it('fills the gauges at start, with no REST call, and refreshes them on the interval', async () => {
    const dataDir = await recordedDataDir();
    const server = await start({ DATA_DIR: dataDir, STATS_REFRESH_INTERVAL_MS: '1000' });
    await eventually(async () => {
      const text = await metricsOf(server);
      expect(text).toMatch(/^turing_qa_sessions_analyzed 1$/m);
      expect(text).toMatch(/^turing_storage_objects\{type="mp4"\} 1$/m);
      expect(text).toMatch(/^turing_storage_sessions\{status="complete"\} 1$/m);
    });
    // A recording that arrives later is counted by the next run, not by a request.
    await localWriter(new LocalStorage(dataDir))('sessions/20260207_090000/recording.mp4', 'video');
    await eventually(async () => expect(await metricsOf(server)).toMatch(/^turing_storage_objects\{type="mp4"\} 2$/m));
    const http = (await metricsOf(server)).match(/^turing_http_request_duration_seconds_count\{[^}]*route="\/api\/[^}]*\}/m);
    expect(http).toBeNull();
  });

  it('runs under a lease, so one process of a cluster does the listing', async () => {
    const server = await start({ DATA_DIR: await recordedDataDir() });
    await eventually(async () => expect(await metricsOf(server)).toMatch(/^turing_qa_sessions_analyzed 1$/m));
    expect(await server.store.leases.tryAcquire('gauge-refresh', 'another-process', 60_000)).toBe(false);
  });
});

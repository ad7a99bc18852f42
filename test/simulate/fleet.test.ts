import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { adminTokenMinter, SimulatedFleet } from '../../scripts/simulate';
import { closeAllClients, connectClient, eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { createServer } from '../../src/app';
import { testConfig } from '../../src/config';
import pino from 'pino';

const silent = pino({ level: 'silent' });

const ADMIN_KEY = 'test-admin-api-key-0123456789';

describe('simulated fleet against a real server', () => {
  let server: CaptureServer | undefined;
  let fleet: SimulatedFleet | undefined;
  afterEach(async () => {
    closeAllClients();
    await fleet?.stop(2_000);
    await server?.close();
  });

  it('identifies, streams telemetry and frames, runs sessions and uploads recordings that score well', async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    fleet = new SimulatedFleet({
      url: server.url(),
      apiKey: ADMIN_KEY,
      headsets: 3,
      tablets: 1,
      fps: 10,
      sessionSeconds: 2,
      gapSeconds: 30,
      videoBytes: 300 * 1024,
      seed: 3,
    });
    await fleet.start();
    const f = fleet;
    const s = server;
    // A dashboard watches one simulated headset: its frames come through the server's relay.
    const viewer = await connectClient(s, { deviceId: 'DASH_VIEW', deviceType: 'dashboard' });
    expect(await viewer.ask('dashboard-watch-device', f.headsetIds[0])).toMatchObject({ ok: true });
    const frames = () => viewer.received.filter((r) => r.event === 'on-headset-frame-updated').map((r) => r.args[0] as Buffer);

    await eventually(() => expect(f.stats.uploadsCompleted).toBe(3), 20_000);
    expect(f.stats.errors, f.stats.lastError).toBe(0);
    expect(f.stats.sessionsEnded).toBe(1);

    const devices = await s.services.devices.deviceStates();
    expect(devices.map((d) => d.deviceId).sort()).toEqual(f.headsetIds);
    for (const d of devices) {
      expect(d.status).toBe('online');
      expect(d.telemetry?.batteryLevel).toBeGreaterThan(0);
      expect(d.lockedByTabletId).toBe(f.tabletIds[0]);
    }

    await eventually(() => expect(frames().length).toBeGreaterThan(10), 10_000);
    expect(Buffer.isBuffer(frames()[0])).toBe(true);
    expect(frames()[0]!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const sessions = await fetchJson<{ count: number; sessions: Array<{ deviceIds: string[]; deviceStatuses: Record<string, unknown> }> }>(
      s,
      '/api/sessions?status=completed',
    );
    expect(sessions.count).toBe(1);
    const session = sessions.sessions[0]!;
    expect(session.deviceIds.sort()).toEqual(f.headsetIds);
    for (const id of f.headsetIds) expect(session.deviceStatuses[id]).toMatchObject({ uploadStatus: 'completed', uploadProgress: 100 });

    const qa = await fetchJson<{ overview: unknown; sessions: Array<{ issues: unknown[]; overallQualityScore: number }> }>(
      s,
      '/api/qa-metrics',
    );
    expect(qa.overview).toMatchObject({ totalSessions: 3, completeSessions: 3 });
    for (const rec of qa.sessions) {
      expect(rec.issues).toEqual([]);
      expect(rec.overallQualityScore).toBeGreaterThan(80);
    }
    const stats = await fetchJson<{ byType: Record<string, { count: number; sizeGB: number }> }>(s, '/api/s3-stats');
    expect(stats.byType.mp4?.count).toBe(3);
    // Real MP4s made with ffmpeg (issue 18), whose frames match their tracking data: the integrity gate passes them.
    await eventually(async () => expect((await s.store.recordings.counts()).byVerdict).toEqual({ pass: 3, fail: 0 }), 15_000);
  }, 40_000);

  it('stops cleanly: the running session ends, its recordings upload, every device disconnects', async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    fleet = new SimulatedFleet({
      url: server.url(),
      apiKey: ADMIN_KEY,
      headsets: 2,
      tablets: 1,
      fps: 0,
      sessionSeconds: 600,
      videoBytes: 64 * 1024,
    });
    await fleet.start();
    const s = server;
    await eventually(async () => expect(await s.services.sessions.countActive()).toBe(1), 10_000);
    await eventually(() => expect(fleet!.headsets.every((h) => h.recording)).toBe(true));
    // Captures under half a second are discarded as accidental; record a little longer than that.
    await new Promise((r) => setTimeout(r, 1_000));

    await fleet.stop();
    expect(fleet.stats.uploadsCompleted).toBe(2);
    expect(await s.services.sessions.countActive()).toBe(0);
    await eventually(() => expect(s.io.of('/').sockets.size).toBe(0));
    expect(fleet.stats.headsetsOnline + fleet.stats.tabletsOnline).toBe(0);
  }, 30_000);

  it('mints new tokens when a restarted server (new JWT_SECRET) refuses the old ones, instead of waiting forever', async () => {
    const env = (jwt: string) => ({ JWT_SECRET: jwt, TOKEN_REQUESTS_PER_MINUTE: '1000', SHUTDOWN_TIMEOUT_MS: '2000' });
    const first = createServer(testConfig(env('first-jwt-secret-0123456789-abcdefghijklmnop')), { logger: silent });
    const { port } = await first.listen(0, '127.0.0.1');
    fleet = new SimulatedFleet({
      url: first.url(),
      apiKey: ADMIN_KEY,
      headsets: 2,
      tablets: 1,
      fps: 0,
      sessionSeconds: 600,
      gapSeconds: 600,
    });
    await fleet.start();
    const f = fleet;
    await eventually(async () => expect((await first.services.devices.headsetLists()).onlineIds).toHaveLength(2));
    await first.close();

    // The same address and admin key, new signing secret: every token the fleet holds is now refused.
    server = createServer(testConfig(env('second-jwt-secret-0123456789-abcdefghijklmno')), { logger: silent });
    await server.listen(port, '127.0.0.1');
    const s = server;
    await eventually(async () => expect((await s.services.devices.headsetLists()).onlineIds.sort()).toEqual(f.headsetIds), 15_000);
    await eventually(() => expect(s.io.of('/').sockets.size).toBe(3), 15_000);
  }, 30_000);

  it('says what to do when the restarted server also has a new admin key', async () => {
    const first = createServer(testConfig({ TOKEN_REQUESTS_PER_MINUTE: '1000', SHUTDOWN_TIMEOUT_MS: '2000' }), { logger: silent });
    const { port } = await first.listen(0, '127.0.0.1');
    fleet = new SimulatedFleet({ url: first.url(), apiKey: ADMIN_KEY, headsets: 1, tablets: 0, fps: 0 });
    await fleet.start();
    const f = fleet;
    await eventually(() => expect(f.stats.headsetsOnline).toBe(1));
    await first.close();
    server = createServer(
      testConfig({ JWT_SECRET: 'another-jwt-secret-0123456789-abcdefghijklm', ADMIN_API_KEY: 'another-admin-key-0123456789' }),
      { logger: silent },
    );
    await server.listen(port, '127.0.0.1');
    await eventually(() => expect(f.stats.lastError).toContain('restart the simulator with it (--api-key)'), 10_000);
    expect(f.stats.lastError).toContain('401');
  }, 20_000);

  it('refuses to start without a way to get tokens, and reports a wrong admin key', async () => {
    expect(() => new SimulatedFleet({ url: 'http://127.0.0.1:1', headsets: 1, tablets: 0 })).toThrow(/admin API key/);
    server = await startServer();
    fleet = new SimulatedFleet({ url: server.url(), apiKey: 'wrong-key-wrong-key-wrong-key', headsets: 1, tablets: 1 });
    await expect(fleet.start()).rejects.toThrow(/401/);
  });
});

describe('token minting', () => {
  it('waits out a 429 for the time the server names, then gets the token', async () => {
    let calls = 0;
    const stub = http.createServer((req, res) => {
      calls++;
      req.resume();
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ok: false, code: 'rate_limited', error: 'too many token requests; try again in a minute' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, token: 'minted' }));
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const waits: number[] = [];
    try {
      const mint = adminTokenMinter(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`, 'key', (s) => waits.push(s));
      expect(await mint('SIM_H01', 'headset')).toBe('minted');
      expect(waits).toEqual([1]);
      expect(calls).toBe(2);
    } finally {
      stub.close();
    }
  });
});

describe('token minting, stopped while waiting', () => {
  it('gives up at once when the fleet stops during a rate-limit wait', async () => {
    const stub = http.createServer((req, res) => {
      req.resume();
      res.writeHead(429, { 'retry-after': '60', 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, code: 'rate_limited', error: 'too many token requests; try again in a minute' }));
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const abort = new AbortController();
    try {
      const mint = adminTokenMinter(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`, 'key', () => abort.abort(), abort.signal);
      await expect(mint('SIM_H01', 'headset')).rejects.toThrow(/stopped while waiting/);
    } finally {
      stub.close();
    }
  });
});

/** T names the fields a test reads from the JSON answer; it is not checked. */
async function fetchJson<T>(server: CaptureServer, route: string): Promise<T> {
  const res = await fetch(`${server.url()}${route}`, { headers: { 'x-api-key': ADMIN_KEY } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

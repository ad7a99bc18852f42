import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { loadConfig, testConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { requestLogging } from '../../src/http/request-logging';
import { closeAllClients, connectClient, eventually, identifiedHeadset, refusedConnection, tabletClient } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { captureLog } from '../helpers/log-capture';
import { MiB, randomFile, UploadClient } from '../uploads/upload-client';

/** What an operator reads: one line per request, the lab's events at info, and why anything was refused. */

const INFO = 30;
const WARN = 40;

const METRICS_TOKEN = 'metrics-token-for-the-log-test-0123456789';
let server: CaptureServer;
const logs = captureLog();
beforeAll(async () => {
  const env = { LOG_LEVEL: 'info', METRICS_TOKEN };
  server = await startServer({ env, logger: createLogger(testConfig(env), logs.stream) });
});
afterAll(async () => {
  closeAllClients();
  await server.close();
});

const admin = () => ({ 'x-api-key': server.config.auth.adminApiKey });

describe('request logs', () => {
  it('writes one JSON line per request with method, path, status, ms, request id and an ISO time; no headers', async () => {
    const res = await fetch(`${server.url()}/api/devices?limit=5`, { headers: { ...admin(), 'x-request-id': 'req-one-line-1' } });
    expect(res.status).toBe(200);
    const lines = await eventually(() => {
      const found = logs.lines().filter((l) => l.reqId === 'req-one-line-1');
      expect(found).toHaveLength(1);
      return found;
    });
    const [line] = lines;
    expect(line).toMatchObject({
      level: INFO,
      method: 'GET',
      path: '/api/devices',
      status: 200,
      msg: expect.stringMatching(/^GET \/api\/devices 200 \d+ms$/),
    });
    expect(line!.ms).toBeTypeOf('number');
    expect(new Date(line!.time).toISOString()).toBe(line!.time);
    expect(line).not.toHaveProperty('req');
    expect(line).not.toHaveProperty('res');
    expect(JSON.stringify(line)).not.toMatch(/user-agent|x-api-key|accept/i);
  });

  it('gives the reason of every refused credential on the request line', async () => {
    const base = server.url();
    await fetch(`${base}/api/devices`, { headers: { 'x-api-key': 'wrong-key-wrong-key-wrong-key', 'x-request-id': 'req-bad-key' } });
    await fetch(`${base}/api/devices`, { headers: { 'x-request-id': 'req-no-credential' } });
    await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope', 'x-request-id': 'req-bad-metrics' } });
    await fetch(`${base}/health`, { headers: { 'x-request-id': 'req-health' } });
    const line = (id: string) => logs.lines().find((l) => l.reqId === id);
    await eventually(() => expect(line('req-bad-metrics')).toBeDefined());
    expect(line('req-bad-key')).toMatchObject({ level: WARN, status: 401, reason: 'invalid API key', ip: expect.any(String) });
    expect(line('req-no-credential')).toMatchObject({ status: 401, reason: expect.stringMatching(/^authentication required/) });
    expect(line('req-bad-metrics')).toMatchObject({ status: 401, path: '/metrics', reason: expect.stringMatching(/METRICS_TOKEN/) });
    // A successful probe is not worth a line.
    expect(line('req-health')).toBeUndefined();
  });

  it('logs a refused socket connection and a refused role at warn, with the reason', async () => {
    expect(await refusedConnection(server, { auth: { token: 'not.a.token' } })).toMatch(/authentication failed/);
    const headset = await connectClient(server, { deviceId: 'H_ROLE', deviceType: 'headset' });
    expect((await headset.ask('tablet-lock-device', 'H_ROLE')).ok).toBe(false);
    await eventually(() => {
      expect(logs.lines().find((l) => l.msg === 'socket connection refused')).toMatchObject({ level: WARN, reason: 'invalid' });
      expect(logs.lines().find((l) => l.msg === 'socket event refused')).toMatchObject({
        level: WARN,
        event: 'tablet-lock-device',
        deviceId: 'H_ROLE',
        reason: expect.stringMatching(/not allowed for a headset/),
      });
    });
  });
});

describe('domain events in the log', () => {
  it('logs connections, identify, locks, session transitions, uploads and disconnects at info', async () => {
    const headset = await identifiedHeadset(server, 'H_LOG');
    const tablet = await tabletClient(server, 'TABLET_LOG');
    await tablet.ask('tablet-lock-device', 'H_LOG');
    const { sessionId } = await tablet.ask('tablet-create-session', { deviceIds: ['H_LOG'] });
    await tablet.ask('tablet-start-session', sessionId);
    await tablet.ask('tablet-pause-session', sessionId);
    await tablet.ask('tablet-end-session', sessionId);
    await tablet.ask('tablet-unlock-device', 'H_LOG');

    const uploader = new UploadClient(server, server.tokens.sign('H_LOG', 'headset'));
    const file = randomFile(1 * MiB);
    const started = await uploader.start(file.length);
    await uploader.complete(started, await uploader.putAll(started, file));
    const aborted = await uploader.start(file.length);
    await uploader.call('POST', '/chunked-upload/abort', { uploadId: aborted.uploadId, s3Key: aborted.s3Key });
    const legacy = new FormData();
    legacy.append('timestamp', '20260206_151231');
    legacy.append('video', new Blob([randomFile(1_000)]), 'recording.mp4');
    const legacyAnswer = await fetch(`${server.url()}/upload-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uploader.token}` },
      body: legacy,
    });
    expect(legacyAnswer.status).toBe(200);
    headset.close();

    const expected = [
      ['socket connected', { deviceId: 'H_LOG', deviceType: 'headset' }],
      ['headset identified', { deviceId: 'H_LOG' }],
      ['device locked', { deviceId: 'H_LOG', tabletId: 'TABLET_LOG' }],
      ['session created', { sessionId, tabletId: 'TABLET_LOG', deviceIds: ['H_LOG'] }],
      ['session started', { sessionId, status: 'recording' }],
      ['session paused', { sessionId, status: 'paused' }],
      ['session ended', { sessionId, status: 'completed' }],
      ['device unlocked', { deviceId: 'H_LOG', tabletId: 'TABLET_LOG' }],
      ['upload started', { uploadId: started.uploadId }],
      ['upload completed', { uploadId: started.uploadId }],
      ['upload discarded', { uploadId: aborted.uploadId, reason: 'aborted' }],
      ['upload completed', { key: 'sessions/20260206_151231_H_LOG/recording.mp4', legacy: true }],
      ['socket disconnected', { deviceId: 'H_LOG' }],
      ['headset disconnected (offline)', { deviceId: 'H_LOG' }],
    ] as const;
    await eventually(() => {
      for (const [msg, fields] of expected) {
        expect(
          logs.lines().find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v))),
          msg,
        ).toMatchObject({ level: INFO });
      }
    });
  });
});

describe('development logs', () => {
  it('prints a request as one readable line', async () => {
    const out = captureLog();
    const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'info' }).config;
    const logger = createLogger(config, out.stream);
    const middleware = requestLogging(logger);
    const express = (await import('express')).default;
    const app = express();
    app.use(middleware);
    app.get('/hello', (_req, res) => void res.json({ ok: true }));
    app.get('/refused', (_req, res) => void res.status(401).json({ ok: false, error: 'invalid API key' }));
    const listener = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    const { port } = listener.address() as { port: number };
    try {
      await fetch(`http://127.0.0.1:${port}/hello?token=secret-in-query`, { headers: { 'x-request-id': 'dev-1' } });
      await fetch(`http://127.0.0.1:${port}/refused`, { headers: { 'x-request-id': 'dev-2' } });
      await eventually(() => expect(out.text()).toContain('dev-2'));
    } finally {
      listener.close();
    }
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/hello 200 \d+ms \[dev-1\]$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: GET \/refused 401 \d+ms \[dev-2\] \(invalid API key\) from 127\.0\.0\.1$/);
    expect(out.text()).not.toContain('secret-in-query');
  });
});

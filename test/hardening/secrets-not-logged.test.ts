import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { CaptureServer } from '../../src/app';
import { closeAllClients, connectClient, refusedConnection } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import { captureLog } from '../helpers/log-capture';
import { MiB, randomFile, UploadClient } from '../uploads/upload-client';

/**
 * A full flow at log level trace, every credential in every place a client
 * may put it (including wrong ones), then the whole log is searched for them.
 */

const METRICS_TOKEN = 'metrics-token-that-must-not-be-logged-1234';
const WRONG_KEY = 'wrong-admin-key-that-must-not-be-logged-5678';
const WRONG_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJmYWtlIjoidG9rZW4ifQ.not-a-signature-0000';

let server: CaptureServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

describe('secrets in logs', () => {
  it('logs no token, API key, JWT secret, metrics token or URL signature through a full flow at level trace', async () => {
    const env = { LOG_LEVEL: 'trace', METRICS_TOKEN };
    const logs = captureLog();
    server = await startServer({ env, logger: createLogger(testConfig(env), logs.stream) });
    const config = server.config;
    const base = server.url();
    const admin = config.auth.adminApiKey;
    const secrets: string[] = [admin, config.auth.jwtSecret, METRICS_TOKEN, WRONG_KEY, WRONG_TOKEN];

    // Tokens minted over REST with the admin key, and a brute-force attempt with a wrong one.
    const mint = async (deviceId: string, deviceType: string, key = admin) => {
      const res = await fetch(`${base}/auth/device-token`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ deviceId, deviceType }),
      });
      return { status: res.status, body: (await res.json()) as { token?: string } };
    };
    expect((await mint('QUEST_001', 'headset', WRONG_KEY)).status).toBe(401);
    const headsetToken = (await mint('QUEST_001', 'headset')).body.token!;
    const tabletToken = (await mint('TABLET_A', 'tablet')).body.token!;
    const dashboardToken = (await mint('DASH_1', 'dashboard')).body.token!;
    secrets.push(headsetToken, tabletToken, dashboardToken);

    // Sockets with the token in each place a client may put it, and a refused one.
    const headset = await connectClient(server, { token: headsetToken });
    expect((await headset.ask('headset-identify', 'QUEST_001')).ok).toBe(true);
    const tablet = await connectClient(server, {}, { headers: { authorization: `Bearer ${tabletToken}` } });
    expect((await tablet.ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    const dashboard = await connectClient(server, {}, { query: { token: dashboardToken } });
    expect((await dashboard.ask('dashboard-subscribe')).ok).toBe(true);
    expect(await refusedConnection(server, { auth: { token: WRONG_TOKEN } })).toMatch(/authentication failed/);
    expect(await refusedConnection(server, { query: { token: WRONG_TOKEN } })).toMatch(/authentication failed/);

    // REST with each kind of credential, right and wrong, in headers and in the query string.
    const get = (route: string, headers: Record<string, string>) => fetch(`${base}${route}`, { headers });
    expect((await get('/api/devices', { 'x-api-key': admin })).status).toBe(200);
    expect((await get('/api/sessions', { authorization: `Bearer ${tabletToken}` })).status).toBe(200);
    expect((await get('/api/fleet/summary', { authorization: `Bearer ${WRONG_TOKEN}` })).status).toBe(401);
    expect((await get(`/api/devices?token=${tabletToken}&apiKey=${admin}`, {})).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await get('/metrics', { authorization: `Bearer ${WRONG_KEY}` })).status).toBe(401);

    // An upload through signed part URLs, one of them tampered with.
    const uploader = new UploadClient(server, headsetToken);
    const file = randomFile(12 * MiB);
    const started = await uploader.start(file.length);
    for (const { url } of started.presignedUrls) secrets.push(new URL(url).searchParams.get('signature')!);
    const tampered = started.presignedUrls[0]!.url.replace(/signature=[^&]+/, `signature=${'A'.repeat(43)}`);
    expect((await uploader.putPart(tampered, file.subarray(0, 10 * MiB))).status).toBe(403);
    const parts = await uploader.putAll(started, file);
    expect((await uploader.complete(started, parts)).status).toBe(200);
    headset.close();
    tablet.close();
    dashboard.close();
    await server.close();

    const log = logs.text();
    // The capture works: requests, socket refusals and uploads were all logged.
    expect(log).toMatch(/"msg":"GET \/api\/devices 200 \d+ms"/);
    expect(log).toContain('socket connection refused');
    expect(log).toContain('/chunked-upload/complete');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(log.includes(secret), `a secret starting ${secret.slice(0, 6)} is in the log`).toBe(false);
    }
  });
});

describe('log redaction', () => {
  it('blanks credentials in objects a future log line might include (handshake, config, signatures)', () => {
    const config = testConfig({ LOG_LEVEL: 'info', METRICS_TOKEN });
    const logs = captureLog();
    const logger = createLogger(config, logs.stream);
    logger.info(
      { handshake: { auth: { token: WRONG_TOKEN }, headers: { authorization: `Bearer ${WRONG_TOKEN}` }, query: { token: WRONG_TOKEN } } },
      'handshake',
    );
    logger.info({ config: { auth: config.auth } }, 'config');
    logger.info({ part: { signature: WRONG_KEY }, query: { token: WRONG_TOKEN } }, 'part');
    const log = logs.text();
    for (const secret of [WRONG_TOKEN, WRONG_KEY, METRICS_TOKEN, config.auth.jwtSecret, config.auth.adminApiKey])
      expect(log).not.toContain(secret);
    expect(log).toContain('[redacted]');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (env = {}) => {
  const s = await startServer({ env });
  servers.push(s);
  return s;
};

function requestToken(server: CaptureServer, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url()}/auth/device-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /auth/device-token', () => {
  it('mints a 24 h HS256 device token for the admin key', async () => {
    const server = await start();
    const res = await requestToken(
      server,
      { deviceId: 'QUEST_001', deviceType: 'headset' },
      { 'x-api-key': server.config.auth.adminApiKey },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; token: string; deviceId: string; deviceType: string; expiresIn: string };
    expect(body).toMatchObject({ ok: true, deviceId: 'QUEST_001', deviceType: 'headset', expiresIn: '24h' });
    const decoded = jwt.decode(body.token, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const payload = decoded.payload as { deviceId: string; deviceType: string; iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(24 * 3600);
    expect(server.tokens.verify(body.token)).toMatchObject({ deviceId: 'QUEST_001', deviceType: 'headset' });
  });

  it('accepts short IDs such as H1 (DESIGN: the 8-64 note is not used)', async () => {
    const server = await start();
    const res = await requestToken(server, { deviceId: 'H1', deviceType: 'tablet' }, { 'x-api-key': server.config.auth.adminApiKey });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'wrong-key' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const server = await start();
    const res = await requestToken(server, { deviceId: 'QUEST_001', deviceType: 'headset' }, headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false });
  });

  it('refuses a device token: devices cannot mint tokens', async () => {
    const server = await start();
    const dashboard = server.tokens.sign('DASH_1', 'dashboard');
    const res = await requestToken(server, { deviceId: 'X1', deviceType: 'headset' }, { authorization: `Bearer ${dashboard}` });
    // A valid credential of the wrong role: 403, saying what is needed.
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      ok: false,
      code: 'role',
      error: 'a dashboard token cannot use this endpoint; it needs the admin API key (x-api-key header)',
    });
  });

  it('says what credential is needed when none is given, in a whole sentence', async () => {
    const server = await start();
    const res = await requestToken(server, { deviceId: 'X1', deviceType: 'headset' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      ok: false,
      code: 'unauthenticated',
      error: 'authentication required: the admin API key (x-api-key header)',
    });
  });

  it.each([
    [{ deviceId: '../etc', deviceType: 'headset' }, /deviceId/],
    [{ deviceId: 'a'.repeat(65), deviceType: 'headset' }, /deviceId/],
    [{ deviceId: 'QUEST_001', deviceType: 'robot' }, /deviceType/],
    [{ deviceId: 'QUEST_001' }, /deviceType/],
    [{ deviceId: 'QUEST_001', deviceType: 'headset', admin: true }, /admin/],
    [[1, 2], /invalid token request/],
  ])('answers 400 with a clear message for %j', async (body, message) => {
    const server = await start();
    const res = await requestToken(server, body, { 'x-api-key': server.config.auth.adminApiKey });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { ok: boolean; error: string };
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(message);
  });

  it('clips client-chosen text out of a 400 answer', async () => {
    const server = await start();
    const body = { deviceId: 'QUEST_001', deviceType: 'headset', ['k'.repeat(100_000)]: true };
    const res = await requestToken(server, body, { 'x-api-key': server.config.auth.adminApiKey });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(/^invalid token request: Unrecognized key/);
    expect(error.length).toBeLessThanOrEqual(350);
  });

  it('does not count successful mints: a fleet can be provisioned at once', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '3' });
    for (let i = 0; i < 10; i++) {
      const res = await requestToken(server, { deviceId: `Q${i}`, deviceType: 'headset' }, { 'x-api-key': server.config.auth.adminApiKey });
      expect(res.status).toBe(200);
    }
  });

  it('rate-limits failed attempts per client, and then refuses even the right key (brute force)', async () => {
    const server = await start({ TOKEN_REQUESTS_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await requestToken(server, { deviceId: 'Q1', deviceType: 'headset' }, { 'x-api-key': `guess-${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const withKey = await requestToken(server, { deviceId: 'Q1', deviceType: 'headset' }, { 'x-api-key': server.config.auth.adminApiKey });
    expect(withKey.status).toBe(429);
  });
});

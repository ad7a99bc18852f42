import { afterEach, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { closeAllClients, connectClient, refusedConnection } from '../helpers/clients';

const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (env = {}) => {
  const s = await startServer({ env });
  servers.push(s);
  return s;
};

describe('Socket.IO authentication', () => {
  it('admits a token from auth.token, the Authorization header or ?token=, with the spec socket data', async () => {
    const server = await start();
    const token = server.tokens.sign('QUEST_001', 'headset');
    const viaAuth = await connectClient(server, { token });
    const viaHeader = await connectClient(server, {}, { headers: { authorization: `Bearer ${token}` } });
    const viaQuery = await connectClient(server, {}, { query: { token } });
    const sockets = await server.io.fetchSockets();
    expect(sockets).toHaveLength(3);
    for (const s of sockets) {
      expect(s.data).toEqual({ authenticated: true, deviceId: 'QUEST_001', deviceType: 'headset', tokenExpiresAt: expect.any(Number) });
    }
    for (const c of [viaAuth, viaHeader, viaQuery]) expect(c.socket.connected).toBe(true);
  });

  it('refuses every bad token kind with a reason', async () => {
    const server = await start();
    const secret = server.config.auth.jwtSecret;
    const claims = { deviceId: 'QUEST_001', deviceType: 'headset' };
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secret, { algorithm: 'HS256' });
    const wrongSecret = jwt.sign(claims, 'another-secret-that-is-long-enough-1234', { algorithm: 'HS256', expiresIn: '1h' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
    const algNone = `${header}.${body}.`;
    const hs512 = jwt.sign(claims, secret, { algorithm: 'HS512', expiresIn: '1h' });
    const noExpiry = jwt.sign(claims, secret, { algorithm: 'HS256' });
    const badClaims = jwt.sign({ deviceId: '../x', deviceType: 'headset' }, secret, { algorithm: 'HS256', expiresIn: '1h' });

    expect(await refusedConnection(server, {})).toBe('authentication failed: no token');
    expect(await refusedConnection(server, { auth: { token: 'garbage' } })).toBe('authentication failed: invalid token');
    expect(await refusedConnection(server, { auth: { token: wrongSecret } })).toBe('authentication failed: invalid token');
    expect(await refusedConnection(server, { auth: { token: expired } })).toBe('authentication failed: token expired');
    expect(await refusedConnection(server, { auth: { token: algNone } })).toBe('authentication failed: invalid token');
    expect(await refusedConnection(server, { auth: { token: hs512 } })).toBe('authentication failed: invalid token');
    expect(await refusedConnection(server, { auth: { token: noExpiry } })).toBe('authentication failed: token has no expiry');
    expect(await refusedConnection(server, { auth: { token: badClaims } })).toMatch(/token claims/);
    expect(await server.io.fetchSockets()).toHaveLength(0);
    const metrics = await (await fetch(`${server.url()}/metrics`)).text();
    expect(metrics).toMatch(/turing_device_connections_total\{type="unknown",event="refused_invalid"\} 6/);
  });

  it('admits token-less legacy clients only when AUTH_REQUIRED=false, and still refuses bad tokens', async () => {
    const server = await start({ AUTH_REQUIRED: 'false' });
    const legacy = await connectClient(server, {});
    expect(legacy.socket.connected).toBe(true);
    expect(await refusedConnection(server, { auth: { token: 'garbage' } })).toMatch(/authentication failed/);
    // A legacy headset is trusted to name itself.
    expect(await legacy.ask('headset-identify', 'LEGACY_1')).toEqual({ ok: true, deviceId: 'LEGACY_1' });
    expect((await server.store.devices.get('LEGACY_1'))!.isOnline).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, identifiedHeadset, refusedConnection, tabletClient, tokenFor, eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';
import type { CaptureServer } from '../../src/app';
import { TOO_MANY_CONNECTIONS } from '../../src/hardening/connection-limit';

const servers: CaptureServer[] = [];
async function server(env: Record<string, string> = {}) {
  const s = await startServer({ env });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function metric(s: CaptureServer, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${s.url()}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe('connections per address', () => {
  it('refuses connections beyond MAX_CONNECTIONS_PER_IP with a clear connect_error, counts them, and admits again after one closes', async () => {
    const s = await server({ MAX_CONNECTIONS_PER_IP: '3' });
    const held = await Promise.all([1, 2, 3].map((i) => tabletClient(s, `T${i}`)));
    const message = await refusedConnection(s, { auth: { token: tokenFor(s, 'T4', 'tablet') } });
    expect(message).toBe(TOO_MANY_CONNECTIONS);
    expect(await metric(s, /turing_device_connections_total\{type="tablet",event="refused_too_many_connections"\} (\d+)/)).toBe(1);
    // The held connections are untouched by the refusal.
    expect((await held[0]!.ask('tablet-get-active-session')).ok).toBe(true);

    held[2]!.close();
    // The slot frees once the server sees the close.
    const again = await eventually(() => tabletClient(s, 'T5'));
    expect((await again.ask('tablet-get-active-session')).ok).toBe(true);
  });

  it('counts clients behind a trusted proxy by their forwarded address, not the proxy', async () => {
    const s = await server({ MAX_CONNECTIONS_PER_IP: '1' });
    // TRUST_PROXY defaults to loopback, so X-Forwarded-For from 127.0.0.1 names the client.
    const a = await connectClient(s, { deviceId: 'T1', deviceType: 'tablet' }, { headers: { 'x-forwarded-for': '10.0.0.1' } });
    const b = await connectClient(s, { deviceId: 'T2', deviceType: 'tablet' }, { headers: { 'x-forwarded-for': '10.0.0.2' } });
    expect(a.socket.connected && b.socket.connected).toBe(true);
    const refused = await refusedConnection(s, {
      auth: { token: tokenFor(s, 'T3', 'tablet') },
      extraHeaders: { 'x-forwarded-for': '10.0.0.1' },
    });
    expect(refused).toBe(TOO_MANY_CONNECTIONS);
  });
});

describe('oversized Socket.IO message', () => {
  it('closes only the socket that sent it; other sockets and the server carry on', async () => {
    // MAX_FRAME_BYTES sets maxHttpBufferSize to twice itself plus 64 KiB.
    const s = await server({ MAX_FRAME_BYTES: '65536' });
    const offender = await identifiedHeadset(s, 'QUEST_001');
    const bystander = await identifiedHeadset(s, 'QUEST_002');
    const tablet = await tabletClient(s, 'T1');
    const closed = new Promise<string>((resolve) => offender.socket.once('disconnect', (reason) => resolve(reason)));
    offender.socket.emit('headset-frame', Buffer.alloc(1024 * 1024, 1));
    expect(await closed).toBe('transport close');

    expect(bystander.socket.connected).toBe(true);
    expect((await bystander.ask('headset-status', 'still here')).ok).toBe(true);
    expect((await tablet.ask('tablet-lock-device', 'QUEST_002')).ok).toBe(true);
    expect((await fetch(`${s.url()}/health`)).status).toBe(200);
  });
});

describe('unknown events', () => {
  it('answers an unknown event that asks for an acknowledgement, instead of leaving the client to time out', async () => {
    const s = await server();
    const tablet = await tabletClient(s, 'T1');
    expect(await tablet.ask('no-such-event' as never, 'x')).toEqual({ ok: false, code: 'unknown_event', error: 'unknown event' });
    expect(await metric(s, /turing_socket_events_rejected_total\{event="unknown",reason="unknown_event"\} (\d+)/)).toBe(1);
  });
});

describe('security headers and CORS', () => {
  it('sends helmet headers on JSON answers, errors and part uploads, and still serves Socket.IO', async () => {
    const s = await server();
    for (const path of ['/test', '/api/devices', '/no-such-route']) {
      const res = await fetch(`${s.url()}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-powered-by')).toBeNull();
      // HSTS is Nginx's alone (nginx/capture-backend.conf); test/ops/nginx-proxy.test.ts checks there is one.
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const headset = await identifiedHeadset(s, 'QUEST_001');
    expect(headset.socket.connected).toBe(true);
  });

  it('allows any origin by default in development', async () => {
    const s = await server({ NODE_ENV: 'development' });
    const res = await fetch(`${s.url()}/test`, { headers: { origin: 'https://anything.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anything.example');
  });

  it('is closed by default in production and open to the listed origins only, for REST and Socket.IO polling', async () => {
    const closed = await server({ NODE_ENV: 'production' });
    const denied = await fetch(`${closed.url()}/test`, { headers: { origin: 'https://dashboard.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const listed = await server({ NODE_ENV: 'production', CORS_ORIGINS: 'https://dashboard.example, https://ops.example' });
    const preflight = await fetch(`${listed.url()}/api/devices`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-api-key');
    const other = await fetch(`${listed.url()}/test`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const polling = await fetch(`${listed.url()}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://dashboard.example' } });
    expect(polling.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    const pollingOther = await fetch(`${listed.url()}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(pollingOther.headers.get('access-control-allow-origin')).toBeNull();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, eventually, tabletClient } from '../helpers/clients';
import { loadConfig } from '../../src/config';
import { startServer } from '../helpers/test-server';
import type { CaptureServer } from '../../src/app';

const servers: CaptureServer[] = [];
afterEach(async () => {
  closeAllClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** An Engine.IO long-polling handshake that never joins a Socket.IO namespace: its session id. */
async function rawEngineConnection(s: CaptureServer): Promise<string> {
  const body = await (await fetch(`${s.url()}/socket.io/?EIO=4&transport=polling`)).text();
  // The open packet: "0" followed by JSON with the sid.
  expect(body.startsWith('0')).toBe(true);
  return (JSON.parse(body.slice(1)) as { sid: string }).sid;
}

describe('connections that never join a namespace (issue 17, 17)', () => {
  it('are closed after SOCKET_CONNECT_TIMEOUT_MS, freeing their slot of MAX_CONNECTIONS_PER_IP', async () => {
    const s = await startServer({ env: { MAX_CONNECTIONS_PER_IP: '1', SOCKET_CONNECT_TIMEOUT_MS: '300' } });
    servers.push(s);
    const sid = await rawEngineConnection(s);
    // The pending poll answers with the close packet ("1") once the server closes the connection.
    // With Socket.IO's default of 45 s it would answer a ping ("2") at the ping interval instead.
    const poll = await (await fetch(`${s.url()}/socket.io/?EIO=4&transport=polling&sid=${sid}`)).text();
    expect(poll).toBe('1');
    const tablet = await tabletClient(s, 'T1');
    expect((await tablet.ask('tablet-get-active-session')).ok).toBe(true);
  });
});

describe('raw Engine.IO connections one address may hold (issue 37)', () => {
  it('refuses the handshake (403) past MAX_ENGINE_CONNECTIONS_PER_IP, from that address only, and admits again once they close', async () => {
    const s = await startServer({
      env: { MAX_CONNECTIONS_PER_IP: '2', MAX_ENGINE_CONNECTIONS_PER_IP: '3', SOCKET_CONNECT_TIMEOUT_MS: '1500' },
    });
    servers.push(s);
    const handshake = (address: string) =>
      fetch(`${s.url()}/socket.io/?EIO=4&transport=polling`, { headers: { 'x-forwarded-for': address } });
    const held = await Promise.all([1, 2, 3].map(() => handshake('10.0.0.1')));
    expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
    const sids = await Promise.all(held.map(async (r) => (JSON.parse((await r.text()).slice(1)) as { sid: string }).sid));
    // Each waits in a poll, which the server answers with the close packet at SOCKET_CONNECT_TIMEOUT_MS.
    const polls = sids.map((sid) => fetch(`${s.url()}/socket.io/?EIO=4&transport=polling&sid=${sid}`).then((r) => r.text()));
    // Without the cap these would pile up until SOCKET_CONNECT_TIMEOUT_MS closes each.
    const refused = await Promise.all(Array.from({ length: 20 }, () => handshake('10.0.0.1')));
    expect(refused.map((r) => r.status)).toEqual(Array(20).fill(403));
    expect(((await refused[0]!.json()) as { message: string }).message).toBe('too many connections from this address');
    // Another address is not affected.
    expect((await handshake('10.0.0.2')).status).toBe(200);
    const text = await (await fetch(`${s.url()}/metrics`)).text();
    expect(text).toContain('turing_device_connections_total{type="unknown",event="refused_too_many_handshakes"} 20');
    // Once the connect timeout closes the raw ones, the address may connect again.
    expect(await Promise.all(polls)).toEqual(['1', '1', '1']);
    await eventually(async () => {
      const again = await handshake('10.0.0.1');
      if (again.status !== 200) throw new Error(`still ${again.status}`);
    });
  });

  it('refuses MAX_ENGINE_CONNECTIONS_PER_IP below MAX_CONNECTIONS_PER_IP at start', () => {
    expect(() => loadConfig({ MAX_CONNECTIONS_PER_IP: '10', MAX_ENGINE_CONNECTIONS_PER_IP: '5' })).toThrow(
      /MAX_ENGINE_CONNECTIONS_PER_IP must be at least MAX_CONNECTIONS_PER_IP/,
    );
    expect(loadConfig({ MAX_CONNECTIONS_PER_IP: '10' }).config.limits.maxEngineConnectionsPerIp).toBe(30);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, tabletClient } from '../helpers/clients';
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

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type CaptureServer } from '../../src/app';
import { connected, connectSocket, type CaptureSocket } from '@capture-backend/client';
import { testConfig } from '../../src/config';
import { eventually } from '../helpers/clients';

const silent = pino({ level: 'silent' });
const withSecret = (secret: string) => createServer(testConfig({ JWT_SECRET: secret, SHUTDOWN_TIMEOUT_MS: '2000' }), { logger: silent });

/** The typed client's token renewal (packages/client/src/socket.ts): what a device does when a restarted server refuses its token. */
describe('token renewal', () => {
  const servers: CaptureServer[] = [];
  const sockets: CaptureSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('stops trying to renew once its owner closes the socket, even while refused and not connected', async () => {
    const first = withSecret('first-jwt-secret-0123456789-abcdefghijklmnop');
    const { port } = await first.listen(0, '127.0.0.1');
    let renewals = 0;
    const socket = connectSocket(first.url(), {
      token: first.tokens.sign('H1', 'headset'),
      // The minting service is down: every renewal fails and is tried again.
      renewToken: async () => {
        renewals++;
        throw new Error('no token service');
      },
      renewRetryMs: 20,
      socket: { reconnectionDelay: 50, reconnectionDelayMax: 50 },
    });
    sockets.push(socket);
    await connected(socket);
    await first.close();
    // The same address, a new signing secret: the headset's token is refused.
    const second = withSecret('second-jwt-secret-0123456789-abcdefghijklmno');
    servers.push(second);
    await second.listen(port, '127.0.0.1');
    await eventually(() => expect(renewals).toBeGreaterThan(2), 10_000);

    socket.close();
    const atClose = renewals;
    // Ten retry periods later nothing more was asked (one renewal already under way may finish).
    await new Promise((r) => setTimeout(r, 200));
    expect(renewals).toBeLessThanOrEqual(atClose + 1);
  });
});

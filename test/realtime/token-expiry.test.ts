import { describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth';
import { connectClient, identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory } from '../helpers/test-server';

/**
 * Issue 17 item 4: authentication happens at the handshake, so a socket
 * outliving its token must not keep its rights. It is told and closed when the
 * token's exp passes, and the router refuses its events from that moment.
 */
describe('an expired token on an open socket', () => {
  // Nothing here is store state: the memory store only.
  const start = serverFactory('memory', () => {
    throw new Error('no Redis in this file');
  });

  it('is told (on-token-expired) and disconnected by the server when exp passes', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_001');
    // JWT exp has one-second resolution: a 2 s token expires 1-2 s from now.
    const shortLived = new TokenService(server.config.auth.jwtSecret, '2s').sign('TABLET_A', 'tablet');
    const tablet = await connectClient(server, { token: shortLived });
    expect((await tablet.ask('tablet-lock-device', 'QUEST_001')).ok).toBe(true);
    const closed = new Promise<string>((resolve) => tablet.socket.once('disconnect', resolve));

    const [notice] = await tablet.next('on-token-expired', undefined, 5_000);
    expect(notice.reason).toBe('token expired');
    expect(Date.parse(notice.expiredAt)).toBeLessThanOrEqual(Date.now());
    expect(await closed).toBe('io server disconnect');
    // A long-lived socket of the same server is untouched.
    const other = await tabletClient(server, 'TABLET_B');
    expect(other.socket.connected).toBe(true);
  });

  it('closes every socket whose token expires in the same second, and leaves those that disconnected before alone', async () => {
    const server = await start();
    const shortLived = new TokenService(server.config.auth.jwtSecret, '2s');
    const [a, b, gone] = await Promise.all(
      ['TABLET_A', 'TABLET_B', 'TABLET_C'].map((id) => connectClient(server, { token: shortLived.sign(id, 'tablet') })),
    );
    gone!.socket.disconnect();
    const notices = await Promise.all([a!.next('on-token-expired', undefined, 5_000), b!.next('on-token-expired', undefined, 5_000)]);
    expect(notices.map(([n]) => n.reason)).toEqual(['token expired', 'token expired']);
    expect(gone!.socket.connected).toBe(false);
  });

  it('refuses every event of a socket whose token has expired, before any handler runs', async () => {
    const server = await start();
    await identifiedHeadset(server, 'QUEST_001');
    const tablet = await tabletClient(server, 'TABLET_A');
    // As if exp had just passed and the expiry timer had not fired yet.
    server.io.of('/').sockets.get(tablet.socket.id!)!.data.tokenExpiresAt = Date.now() - 1;
    expect(await tablet.ask('tablet-lock-device', 'QUEST_001')).toEqual({
      ok: false,
      code: 'token_expired',
      error: 'token expired; reconnect with a fresh token',
    });
    expect(await server.store.locks.get('QUEST_001')).toBeNull();
    expect(await tablet.next('on-event-rejected')).toEqual([
      { event: 'tablet-lock-device', reason: 'token expired; reconnect with a fresh token', code: 'token_expired' },
    ]);
  });
});

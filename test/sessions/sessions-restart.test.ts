import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { startServer, useTestRedis } from '../helpers/test-server';
import { connectClient, identifiedHeadset, tabletClient } from '../helpers/clients';
import { createSession } from './create-session';

const redis = useTestRedis();

describe('sessions across a restart on the same Redis', () => {
  it('keeps a session through a server restart; the tablet reconnects with its token and can pause and end it', async () => {
    const shared = redis();
    const prefix = shared.uniquePrefix();
    const env = { REDIS_URL: shared.url, REDIS_KEY_PREFIX: prefix, LOCK_GRACE_MS: '30000' };
    const first = await serverFactoryOnce(env);
    const h = await identifiedHeadset(first, 'H1');
    const tablet = await tabletClient(first, 'TABLET_A');
    await tablet.ask('tablet-lock-device', 'H1');
    const sessionId = await createSession(tablet, { deviceIds: ['H1'] });
    await tablet.ask('tablet-start-session', sessionId);
    const tabletToken = first.tokens.sign('TABLET_A', 'tablet');
    h.close();
    tablet.close();
    await first.close();

    const second = await serverFactoryOnce(env, first.config.auth.jwtSecret);
    try {
      const h2 = await identifiedHeadset(second, 'H1');
      const again = await connectClient(second, { token: tabletToken });
      const listed = await fetch(`${second.url()}/api/sessions`, { headers: { 'x-api-key': second.config.auth.adminApiKey } });
      expect(((await listed.json()) as { sessions: Array<{ sessionId: string; status: string }> }).sessions[0]).toMatchObject({
        sessionId,
        status: 'recording',
      });
      expect(await again.ask('tablet-get-active-session')).toMatchObject({ session: { sessionId } });
      expect(await again.ask('tablet-pause-session', sessionId)).toMatchObject({ ok: true, sent: ['H1'] });
      await h2.next('on-tablet-stop-recording');
      expect(await again.ask('tablet-end-session', sessionId)).toMatchObject({ ok: true });
      expect((await second.store.sessions.get(sessionId))!.status).toBe('completed');
    } finally {
      await second.close();
    }
  });
});

/** A server outside the per-test factory, optionally sharing a JWT secret with an earlier one. */
function serverFactoryOnce(env: Record<string, string>, jwtSecret?: string): Promise<CaptureServer> {
  return startServer({ env: { ...env, ...(jwtSecret ? { JWT_SECRET: jwtSecret } : {}) } });
}

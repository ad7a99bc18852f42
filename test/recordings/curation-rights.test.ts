import { describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { identifiedHeadset, tabletClient } from '../helpers/clients';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';

/**
 * Issue 37, item 8: a tablet with no relation to a take discarded it. A tablet
 * curates only takes of sessions it ran, headsets it holds, or commands it
 * issued; otherwise 403 with a code, over Socket.IO and REST alike.
 */
const redis = useTestRedis();

const patch = (server: CaptureServer, token: string, recordingId: string, body: object) =>
  fetch(`${server.url()}/api/recordings/${recordingId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe.each(STORE_KINDS)('who may curate a take (%s store)', (kind) => {
  const make = serverFactory(kind, redis);

  it('lets the tablet that commanded the take, and the one holding its headset, curate it; refuses any other tablet', async () => {
    const server = await make();
    const headset = await identifiedHeadset(server, 'H1');
    const owner = await tabletClient(server, 'T_OWNER');
    expect((await owner.ask('tablet-lock-device', 'H1')).ok).toBe(true);
    expect((await owner.ask('tablet-start-recording', { deviceId: 'H1' })).ok).toBe(true);
    expect((await headset.ask('headset-recording-state', true)).ok).toBe(true);
    expect((await headset.ask('headset-recording-state', false)).ok).toBe(true);
    const [record] = (await server.store.recordings.list({ deviceId: 'H1', limit: 5 })).recordings;
    const recordingId = record!.recordingId;

    const stranger = await tabletClient(server, 'T_STRANGER');
    const refused = await stranger.ask('tablet-review-recording', { recordingId, decision: 'discard' });
    expect(refused).toMatchObject({ ok: false, code: 'forbidden' });
    const rest = await patch(server, server.tokens.sign('T_STRANGER', 'tablet'), recordingId, { decision: 'discard' });
    expect(rest.status).toBe(403);
    expect(await rest.json()).toMatchObject({ ok: false, code: 'forbidden' });
    expect((await server.store.recordings.get(recordingId))?.decision).toBeUndefined();

    // The tablet that commanded it may, even once it no longer holds the headset.
    expect((await owner.ask('tablet-unlock-device', 'H1')).ok).toBe(true);
    expect(await owner.ask('tablet-review-recording', { recordingId, tags: { take: '1' } })).toMatchObject({ ok: true });
    // The tablet now holding the headset may too; an operator's dashboard may curate any take.
    expect((await stranger.ask('tablet-lock-device', 'H1')).ok).toBe(true);
    expect(await stranger.ask('tablet-review-recording', { recordingId, decision: 'discard' })).toMatchObject({
      ok: true,
      recording: { decision: 'discard' },
    });
    const dashboard = await patch(server, server.tokens.sign('DASH', 'dashboard'), recordingId, { decision: 'keep' });
    expect(dashboard.status).toBe(200);
  });
});

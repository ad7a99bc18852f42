import { describe, expect, it } from 'vitest';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { identifiedHeadset, sleep, tabletClient } from '../helpers/clients';

const redis = useTestRedis();

/** Issue 37, item 9: a commandId names one command; a refused one reserves nothing. */
describe.each(STORE_KINDS)('commandId reuse on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { RECORDING_ACK_TIMEOUT_MS: '2000' });

  it('refuses a stop that reuses the start’s commandId, with command_id_reused, and the headset hears the stop of a fresh ID', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'H1');
    expect(await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'c1' })).toMatchObject({ ok: true, retried: false });
    await h.next('on-tablet-start-recording');
    await h.ask('headset-recording-state', true);

    // Before: acknowledged ok (retried) and nothing was sent, so the headset kept recording.
    expect(await t.ask('tablet-stop-recording', { deviceId: 'H1', commandId: 'c1' })).toEqual({
      ok: false,
      code: 'command_id_reused',
      error: 'commandId c1 is already used for another command',
    });
    // The same action to the same device is a retry: answered from the record.
    expect(await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'c1' })).toMatchObject({ ok: true, retried: true });
    expect(await t.ask('tablet-stop-recording', { deviceId: 'H1', commandId: 'c2' })).toMatchObject({ ok: true, retried: false });
    await h.next('on-tablet-stop-recording');
    expect(h.count('on-tablet-start-recording')).toBe(1);

    // Another tablet reusing it is refused with the same code, even for the same action and device.
    const other = await tabletClient(server, 'TABLET_B');
    await t.ask('tablet-unlock-device', 'H1');
    await other.ask('tablet-lock-device', 'H1');
    expect(await other.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'c1' })).toMatchObject({
      ok: false,
      code: 'command_id_reused',
    });
  });

  it('keeps no record of a refused command, so another tablet cannot pre-claim {commandId}.{deviceId}', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const owner = await tabletClient(server, 'TABLET_A');
    await owner.ask('tablet-lock-device', 'H1');
    const intruder = await tabletClient(server, 'TABLET_B');
    // The intruder guesses the owner's next start-all ID; it does not hold H1, so it is refused...
    for (const commandId of ['batch-7.H1', 'batch-8.H1']) {
      expect(await intruder.ask('tablet-start-recording', { deviceId: 'H1', commandId })).toMatchObject({ ok: false, code: 'not_holder' });
    }
    // ...and keeps nothing: before, a failed record under TABLET_B made the owner's start-all refuse H1.
    expect(await server.store.commands.get('batch-7.H1')).toBeNull();
    expect((await server.store.commands.list({ issuedBy: 'TABLET_B', limit: 10 })).commands).toEqual([]);

    const answer = await owner.ask('tablet-start-all-recording', { commandId: 'batch-7' });
    expect(answer).toMatchObject({ ok: true, sent: ['H1'], denied: [] });
    await h.next('on-tablet-start-recording');
    await sleep(100);
    expect(h.count('on-tablet-start-recording')).toBe(1);
  });
});

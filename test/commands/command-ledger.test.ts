import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { serverFactory, startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { connectClient, eventually, identifiedHeadset, tabletClient } from '../helpers/clients';
import type { CaptureServer } from '../../src/app';
import { MemoryStore, RedisStore, type Store } from '../../src/state';
import type { DomainEventMap } from '../../src/domain/events';
import { defaultTtls, device } from '../state/store.contract';

const redis = useTestRedis();

async function api(server: CaptureServer, path: string) {
  const res = await fetch(`${server.url()}${path}`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function changes(server: CaptureServer) {
  const seen: Array<DomainEventMap['command.changed']> = [];
  server.events.on('command.changed', (e) => void seen.push(e));
  return seen;
}

describe.each(STORE_KINDS)('command ledger on the %s store', (kind) => {
  const start = serverFactory(kind, redis, { RECORDING_ACK_TIMEOUT_MS: '400' });

  it("answers a retry with the tablet's commandId from the record, and the headset hears the command once", async () => {
    const server = await start();
    const published = changes(server);
    const h = await identifiedHeadset(server, 'QUEST_001');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'QUEST_001');

    const first = await t.ask('tablet-start-recording', { deviceId: 'QUEST_001', commandId: 'cmd-1' });
    expect(first).toMatchObject({ ok: true, commandId: 'cmd-1', state: 'sent', retried: false, record: { action: 'start' } });
    expect(await t.next('on-command-updated')).toEqual([expect.objectContaining({ commandId: 'cmd-1', state: 'sent' })]);
    await h.next('on-tablet-start-recording');

    // The tablet reconnects and sends the same command again.
    t.close();
    const again = await tabletClient(server, 'TABLET_A');
    const retry = await again.ask('tablet-start-recording', { deviceId: 'QUEST_001', commandId: 'cmd-1' });
    expect(retry).toMatchObject({ ok: true, commandId: 'cmd-1', state: 'sent', retried: true });
    expect(retry.record).toEqual(first.record);

    await h.ask('headset-recording-state', true);
    expect(await again.next('on-command-updated', (c) => c.state === 'confirmed')).toEqual([
      expect.objectContaining({ commandId: 'cmd-1', state: 'confirmed', issuedBy: { kind: 'tablet', id: 'TABLET_A' } }),
    ]);
    expect(h.count('on-tablet-start-recording')).toBe(1);
    expect(published.map((c) => c.state)).toEqual(['sent', 'confirmed']);
    // Another tablet cannot reuse the ID.
    const other = await tabletClient(server, 'TABLET_B');
    expect(await other.ask('tablet-stop-recording', { deviceId: 'QUEST_001', commandId: 'cmd-1' })).toMatchObject({
      ok: false,
      code: 'command_id_reused',
      error: 'commandId cmd-1 is already used for another command',
    });
    expect(await other.ask('tablet-stop-recording', { deviceId: 'QUEST_001', commandId: 'bad id!' })).toMatchObject({ ok: false });

    const listed = await api(server, '/api/commands?deviceId=QUEST_001&state=confirmed');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ ok: true, count: 1, commands: [{ commandId: 'cmd-1', state: 'confirmed', action: 'start' }] });
    expect((await api(server, '/api/commands?state=nonsense')).status).toBe(400);
    const badCursor = await api(server, '/api/commands?cursor=nope');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body).toMatchObject({ ok: false, code: 'invalid_cursor' });
  });

  it('answers start-all with one record per headset, and settles each on its own', async () => {
    const server = await start();
    const h1 = await identifiedHeadset(server, 'H1');
    await identifiedHeadset(server, 'H2');
    const h3 = await identifiedHeadset(server, 'H3');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-devices', ['H1', 'H2', 'H3']);
    h3.close();
    await t.next('on-device-disconnected');

    const answer = await t.ask('tablet-start-all-recording', { commandId: 'all-1' });
    const byDevice = Object.fromEntries((answer.commands as Array<{ deviceId: string }>).map((c) => [c.deviceId, c]));
    expect(byDevice).toEqual({
      H1: expect.objectContaining({ commandId: 'all-1.H1', action: 'start-all', state: 'sent', batchId: 'all-1' }),
      H2: expect.objectContaining({ commandId: 'all-1.H2', state: 'sent' }),
    });
    // A refusal is no record (issue 37): H3 is denied with its reason.
    expect(answer.denied).toEqual([{ deviceId: 'H3', reason: 'device H3 is offline' }]);
    await h1.next('on-tablet-start-recording');
    await h1.ask('headset-recording-state', true);
    // H2 never answers: it expires, and the tablet hears which one did not start.
    expect(await t.next('on-command-updated', (c) => c.state === 'expired', 4_000)).toEqual([
      expect.objectContaining({ commandId: 'all-1.H2', deviceId: 'H2' }),
    ]);
    await t.next('on-recording-command-timeout', (p) => p.deviceId === 'H2');
    await eventually(async () => expect((await server.store.commands.get('all-1.H1'))!.state).toBe('confirmed'));
    // A retry of the whole request sends nothing again.
    const retry = await t.ask('tablet-start-all-recording', { commandId: 'all-1' });
    expect((retry.commands as Array<{ state: string }>).map((c) => c.state).sort()).toEqual(['confirmed', 'expired']);
    expect(h1.count('on-tablet-start-recording')).toBe(1);
  });

  it('fails a pending command when its headset disconnects or answers otherwise, and supersedes older ones', async () => {
    const server = await start();
    const h = await identifiedHeadset(server, 'H1');
    const t = await tabletClient(server, 'TABLET_A');
    await t.ask('tablet-lock-device', 'H1');
    await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'a' });
    await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'b' });
    expect(await server.store.commands.get('a')).toMatchObject({ state: 'failed', reason: 'superseded by command b' });
    await h.ask('headset-recording-state', false);
    expect(await server.store.commands.get('b')).toMatchObject({ state: 'failed', reason: 'headset reported not recording' });
    await t.ask('tablet-start-recording', { deviceId: 'H1', commandId: 'c' });
    h.close();
    await eventually(async () =>
      expect(await server.store.commands.get('c')).toMatchObject({ state: 'failed', reason: 'headset disconnected' }),
    );
  });

  it('resolves commands a stopped process left sent, after restart: confirmed by the headset’s state, or expired', async () => {
    const prefix = redis().uniquePrefix();
    const logger = pino({ level: 'silent' });
    const memory = new MemoryStore(defaultTtls);
    // Redis: a new connection to the same keys; memory: the same store object (its close keeps the data).
    const openStore = (): Store =>
      kind === 'redis' ? new RedisStore({ url: redis().url, keyPrefix: prefix, ttls: defaultTtls, logger }) : memory;
    // What a process that stopped while waiting for confirmations left in the store.
    const before = openStore();
    await before.devices.save(device('H1', { isRecording: true }));
    await before.devices.save(device('H2'));
    for (const [commandId, deviceId] of [
      ['left-1', 'H1'],
      ['left-2', 'H2'],
    ] as const) {
      await before.commands.create({
        commandId,
        action: 'start',
        deviceId,
        issuedBy: { kind: 'tablet', id: 'TABLET_A' },
        issuedAt: new Date(Date.now() - 10_000),
        state: 'sent',
        updatedAt: new Date(Date.now() - 10_000),
        expected: true,
        deadline: new Date(Date.now() - 5_000),
      });
    }
    if (kind === 'redis') await before.close();

    const restarted = await startServer({ env: { RECORDING_ACK_TIMEOUT_MS: '400' }, store: openStore() });
    const published = changes(restarted);
    try {
      await eventually(async () => {
        expect(await restarted.store.commands.get('left-1')).toMatchObject({
          state: 'confirmed',
          reason: expect.stringMatching(/reported state/),
        });
        expect(await restarted.store.commands.get('left-2')).toMatchObject({ state: 'expired' });
      });
      expect(await restarted.store.commands.overdue(new Date(), 10)).toEqual([]);
      // Published once each (the first sweep may run before the listener above was added).
      expect(new Set(published.map((c) => c.commandId)).size).toBe(published.length);
    } finally {
      await restarted.close();
    }
  });
});

describe('command ledger REST', () => {
  const start = serverFactory('memory', redis);
  it('refuses anonymous callers and headset tokens', async () => {
    const server = await start();
    expect((await fetch(`${server.url()}/api/commands`)).status).toBe(401);
    const headset = await connectClient(server, { deviceId: 'H1', deviceType: 'headset' });
    headset.close();
    const res = await fetch(`${server.url()}/api/commands`, {
      headers: { authorization: `Bearer ${server.tokens.sign('H1', 'headset')}` },
    });
    expect(res.status).toBe(403);
  });
});

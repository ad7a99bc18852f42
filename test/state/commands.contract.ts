import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../src/state';
import { storeMaker, type StoreFactory } from './store.contract';

export function command(commandId: string, overrides: Partial<CommandRecord> = {}): CommandRecord {
  const issuedAt = overrides.issuedAt ?? new Date();
  return {
    commandId,
    action: 'start',
    deviceId: 'H1',
    issuedBy: { kind: 'tablet', id: 'TABLET_1' },
    issuedAt,
    state: 'sent',
    updatedAt: issuedAt,
    expected: true,
    deadline: new Date(issuedAt.getTime() + 5_000),
    ...overrides,
  };
}

/** The command ledger's behaviour, run unchanged against both stores. */
export function commandsContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: commands`, () => {
    const make = storeMaker(factory);
    it('creates a command once: a second create with its ID answers the stored record unchanged', async () => {
      const store = await make();
      const first = command('cmd-1', { sessionId: 'S1', batchId: 'B1' });
      expect(await store.commands.create(first)).toEqual({ outcome: 'created', record: first });
      const again = await store.commands.create(command('cmd-1', { deviceId: 'H2', action: 'stop' }));
      expect(again).toEqual({ outcome: 'exists', record: first });
      expect(await store.commands.get('cmd-1')).toEqual(first);
      expect(await store.commands.get('nope')).toBeNull();
    });

    it('of concurrent creates with one ID exactly one wins', async () => {
      const store = await make();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.commands.create(command('race', { deviceId: `H${i}` }))),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    });

    it('resolves a sent command once, and keeps it out of the pending and overdue lists after', async () => {
      const store = await make();
      const past = new Date(Date.now() - 10_000);
      await store.commands.create(command('a', { issuedAt: past, deadline: new Date(past.getTime() + 1_000) }));
      await store.commands.create(command('b', { issuedAt: new Date(past.getTime() + 1), deadline: new Date(Date.now() + 60_000) }));
      await store.commands.create(command('other', { deviceId: 'H2' }));
      await store.commands.create(command('done', { state: 'failed', reason: 'offline' }));
      expect((await store.commands.pendingFor('H1')).map((r) => r.commandId)).toEqual(['a', 'b']);
      expect((await store.commands.overdue(new Date(), 10)).map((r) => r.commandId)).toEqual(['a']);

      const at = new Date();
      const resolved = await store.commands.resolve('a', { state: 'expired', reason: 'no confirmation', at });
      expect(resolved).toMatchObject({ commandId: 'a', state: 'expired', reason: 'no confirmation', updatedAt: at });
      expect(await store.commands.resolve('a', { state: 'confirmed', at })).toBeNull();
      expect(await store.commands.resolve('done', { state: 'confirmed', at })).toBeNull();
      expect(await store.commands.resolve('unknown', { state: 'confirmed', at })).toBeNull();
      expect((await store.commands.get('a'))!.state).toBe('expired');
      expect((await store.commands.pendingFor('H1')).map((r) => r.commandId)).toEqual(['b']);
      expect(await store.commands.overdue(new Date(), 10)).toEqual([]);
    });

    it('lists newest first, filtered by device, issuer, state and time, in pages', async () => {
      const store = await make();
      const t0 = Date.now() - 60_000;
      for (let i = 0; i < 7; i++) {
        await store.commands.create(
          command(`c${i}`, {
            issuedAt: new Date(t0 + Math.floor(i / 2) * 1000),
            deviceId: i % 2 === 0 ? 'H1' : 'H2',
            issuedBy: { kind: 'tablet', id: i < 5 ? 'TABLET_1' : 'TABLET_2' },
            state: i === 3 ? 'failed' : 'sent',
          }),
        );
      }
      const ids = (page: { commands: CommandRecord[] }) => page.commands.map((c) => c.commandId);
      const first = await store.commands.list({ limit: 3 });
      expect(ids(first)).toEqual(['c6', 'c5', 'c4']);
      const second = await store.commands.list({ limit: 3, cursor: first.nextCursor });
      expect(ids(second)).toEqual(['c3', 'c2', 'c1']);
      const third = await store.commands.list({ limit: 3, cursor: second.nextCursor });
      expect(ids(third)).toEqual(['c0']);
      expect(third.nextCursor).toBeUndefined();
      expect(ids(await store.commands.list({ limit: 10, deviceId: 'H2' }))).toEqual(['c5', 'c3', 'c1']);
      expect(ids(await store.commands.list({ limit: 10, issuedBy: 'TABLET_2' }))).toEqual(['c6', 'c5']);
      expect(ids(await store.commands.list({ limit: 10, state: 'failed' }))).toEqual(['c3']);
      expect(ids(await store.commands.list({ limit: 10, from: new Date(t0 + 1000), to: new Date(t0 + 2000) }))).toEqual([
        'c5',
        'c4',
        'c3',
        'c2',
      ]);
    });

    it('forgets commands older than the retention', async () => {
      const store = await make({ timelineRetentionSeconds: 60 });
      await store.commands.create(command('old', { issuedAt: new Date(Date.now() - 120_000) }));
      await store.commands.create(command('new'));
      expect((await store.commands.list({ limit: 10 })).commands.map((c) => c.commandId)).toEqual(['new']);
    });
  });
}

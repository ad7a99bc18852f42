import { describe, expect, it } from 'vitest';
import type { AlarmRaise, RaiseResult } from '../../src/state';

/** A raise that made or touched an alarm (none of these is suppressed). */
type Opened = Extract<RaiseResult, { alarm: unknown }>;
import { storeMaker, type StoreFactory } from './store.contract';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s));
const raise = (overrides: Partial<AlarmRaise> = {}): AlarmRaise => ({
  deviceId: 'H1',
  type: 'battery_critical',
  severity: 'critical',
  message: 'battery 9 %',
  value: 9,
  at: at(0),
  ...overrides,
});
const tablet = { kind: 'tablet' as const, id: 'TAB_1' };

/** Alarms, run unchanged against both stores (from memory-store.test.ts and redis-store.test.ts). */
export function alarmsContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: alarms`, () => {
    const make = storeMaker(factory);
    it('raises one alarm per device and type; a repeat updates it; concurrent raises make one', async () => {
      const store = await make();
      const results = (await Promise.all(
        [1, 2, 3, 4].map((i) => store.alarms.raise(raise({ value: 9 - i, at: at(i) }), `id-${i}`)),
      )) as Opened[];
      expect(results.filter((r) => r.outcome === 'raised')).toHaveLength(1);
      const id = results.find((r) => r.outcome === 'raised')!.alarm.alarmId;
      const again = (await store.alarms.raise(raise({ value: 3, message: 'battery 3 %', at: at(9) }), 'id-9')) as Opened;
      expect(again).toMatchObject({
        outcome: 'updated',
        alarm: { alarmId: id, count: 5, value: 3, message: 'battery 3 %', state: 'active' },
      });
      expect(again.alarm.lastSeenAt).toEqual(at(9));
      const other = await store.alarms.raise(raise({ deviceId: 'H2' }), 'id-h2');
      expect(other.outcome).toBe('raised');
      expect((await store.alarms.open()).map((a) => a.alarmId).sort()).toEqual([id, 'id-h2'].sort());
      expect((await store.alarms.open(['H2'])).map((a) => a.alarmId)).toEqual(['id-h2']);
    });

    it('clears once; the next raise is a new alarm; cleared ones stay readable', async () => {
      const store = await make();
      await store.alarms.raise(raise(), 'first');
      const cleared = await Promise.all([
        store.alarms.clear('H1', 'battery_critical', at(5)),
        store.alarms.clear('H1', 'battery_critical', at(5)),
      ]);
      expect(cleared.filter((c) => c !== null)).toHaveLength(1);
      expect(await store.alarms.get('first')).toMatchObject({ state: 'cleared', clearedAt: at(5) });
      expect(await store.alarms.clear('H1', 'battery_critical', at(6))).toBeNull();
      expect((await store.alarms.raise(raise({ at: at(7) }), 'second')).outcome).toBe('raised');
      expect((await store.alarms.open()).map((a) => a.alarmId)).toEqual(['second']);
    });

    it('acknowledges (who and when), refuses cleared and unknown alarms, and can clear on acknowledge', async () => {
      const store = await make();
      await store.alarms.raise(raise(), 'a1');
      const ack = await store.alarms.acknowledge('a1', tablet, at(3), false);
      expect(ack).toMatchObject({
        outcome: 'acknowledged',
        alarm: { state: 'acknowledged', acknowledgedBy: tablet, acknowledgedAt: at(3) },
      });
      expect((await store.alarms.acknowledge('a1', tablet, at(4), false)).outcome).toBe('unchanged');
      // Still open: a repeat updates it, and it is listed as open.
      expect(((await store.alarms.raise(raise({ at: at(5) }), 'x')) as Opened).alarm).toMatchObject({
        alarmId: 'a1',
        state: 'acknowledged',
        count: 2,
      });
      await store.alarms.clear('H1', 'battery_critical', at(6));
      expect((await store.alarms.acknowledge('a1', tablet, at(7), false)).outcome).toBe('not-open');
      expect((await store.alarms.acknowledge('nope', tablet, at(7), false)).outcome).toBe('not-found');

      await store.alarms.raise(raise({ type: 'recording_rejected', severity: 'warning' }), 'r1');
      expect(await store.alarms.acknowledge('r1', tablet, at(8), true)).toMatchObject({
        outcome: 'cleared',
        alarm: { state: 'cleared', clearedAt: at(8) },
      });
      expect(await store.alarms.open()).toEqual([]);
    });

    it('claims a re-notification of an acknowledged critical alarm once per period', async () => {
      const store = await make();
      await store.alarms.raise(raise(), 'c1');
      expect(await store.alarms.claimRenotify('c1', at(100), at(100))).toBeNull(); // not acknowledged
      await store.alarms.acknowledge('c1', tablet, at(10), false);
      expect(await store.alarms.claimRenotify('c1', at(9), at(20))).toBeNull(); // acknowledged after the cut-off
      const claims = await Promise.all([
        store.alarms.claimRenotify('c1', at(15), at(20)),
        store.alarms.claimRenotify('c1', at(15), at(20)),
      ]);
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      expect(claims.find((c) => c)!.notifiedAt).toEqual(at(20));
      await store.alarms.raise(raise({ type: 'overheating', severity: 'warning' }), 'w1');
      await store.alarms.acknowledge('w1', tablet, at(10), false);
      expect(await store.alarms.claimRenotify('w1', at(50), at(50))).toBeNull(); // warnings do not re-notify
    });

    it('lists newest first with filters and pages through every match', async () => {
      const store = await make();
      for (let i = 0; i < 7; i++) {
        await store.alarms.raise(raise({ deviceId: `H${i % 2}`, type: i % 3 === 0 ? 'storage_low' : 'overheating', at: at(i) }), `l${i}`);
        if (i === 2) await store.alarms.clear('H0', 'overheating', at(2));
      }
      // l5 and l6 repeated open alarms (l1, l0); l4 was raised after l2 cleared.
      const all = await store.alarms.list({ limit: 100 });
      expect(all.alarms.map((a) => a.alarmId)).toEqual(['l4', 'l3', 'l2', 'l1', 'l0']);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.alarms.list({ limit: 2, cursor, deviceId: 'H0' });
        expect(page.alarms.length).toBeLessThanOrEqual(2);
        seen.push(...page.alarms.map((a) => a.alarmId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['l4', 'l2', 'l0']);
      expect((await store.alarms.list({ limit: 10, state: 'cleared' })).alarms.map((a) => a.alarmId)).toEqual(['l2']);
      expect((await store.alarms.list({ limit: 10, from: at(1), to: at(3) })).alarms.map((a) => a.alarmId)).toEqual(['l3', 'l2', 'l1']);
      expect((await store.alarms.list({ limit: 10, state: 'open', type: 'storage_low' })).alarms.map((a) => a.alarmId)).toEqual([
        'l3',
        'l0',
      ]);
      // A cursor this list did not give out is refused, never read as the first page.
      await expect(store.alarms.list({ limit: 10, cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid_cursor' });
    });

    it('forgets cleared alarms after the history period', async () => {
      const store = await make({ alarmHistorySeconds: 1 });
      await store.alarms.raise(raise({ at: new Date() }), 'h1');
      await store.alarms.clear('H1', 'battery_critical', new Date(Date.now() - 2000));
      const purge = (store as unknown as { alarms: { purgeExpired?: () => void } }).alarms.purgeExpired;
      await expect
        .poll(
          async () => {
            purge?.call(store.alarms);
            return store.alarms.get('h1');
          },
          { timeout: 5_000, interval: 100 },
        )
        .toBeNull();
      expect((await store.alarms.list({ limit: 10 })).alarms).toEqual([]);
    });
  });
}

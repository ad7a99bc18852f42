import { describe, expect, it } from 'vitest';
import type { AlarmRaise } from '../../src/state';
import { storeMaker, type StoreFactory } from './store.contract';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + s * 1000);
const raise = (s: number, overrides: Partial<AlarmRaise> = {}): AlarmRaise => ({
  deviceId: 'H1',
  type: 'battery_critical',
  severity: 'critical',
  message: `battery at ${s}`,
  value: 9,
  at: at(s),
  ...overrides,
});
const DWELL = { reopenWithinMs: 60_000 };
const tablet = { kind: 'tablet' as const, id: 'TAB_1' };

/** The reopen dwell and the raise budget's store side, run unchanged against both stores. */
export function alarmFlappingContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: flapping alarms`, () => {
    const make = storeMaker(factory);

    it('reopens the alarm cleared within the dwell, the same record, and makes a new one after it', async () => {
      const store = await make();
      expect((await store.alarms.raise(raise(0), 'a1', DWELL)).outcome).toBe('raised');
      await store.alarms.acknowledge('a1', tablet, at(1), false);
      await store.alarms.clear('H1', 'battery_critical', at(2));
      const back = await store.alarms.raise(raise(30, { value: 7 }), 'a2', DWELL);
      expect(back).toMatchObject({ outcome: 'reopened', alarm: { alarmId: 'a1', state: 'active', count: 2, value: 7, reopenCount: 1 } });
      expect(back.outcome !== 'suppressed' && back.alarm).not.toHaveProperty('clearedAt');
      expect(back.outcome !== 'suppressed' && back.alarm).not.toHaveProperty('acknowledgedBy');
      expect(await store.alarms.get('a1')).toMatchObject({ state: 'active', reopenedAt: at(30), raisedAt: at(0) });
      expect((await store.alarms.open()).map((a) => a.alarmId)).toEqual(['a1']);
      // Open again: a repeat updates it; cleared again it reopens again.
      expect((await store.alarms.raise(raise(31), 'a3', DWELL)).outcome).toBe('updated');
      expect((await store.alarms.clear('H1', 'battery_critical', at(32)))?.alarmId).toBe('a1');
      expect(await store.alarms.raise(raise(33), 'a4', DWELL)).toMatchObject({
        outcome: 'reopened',
        alarm: { alarmId: 'a1', reopenCount: 2 },
      });
      await store.alarms.clear('H1', 'battery_critical', at(34));
      // Past the dwell, or with no dwell asked, a new alarm.
      expect(await store.alarms.raise(raise(95), 'a5', DWELL)).toMatchObject({ outcome: 'raised', alarm: { alarmId: 'a5' } });
      await store.alarms.clear('H1', 'battery_critical', at(96));
      expect(await store.alarms.raise(raise(97), 'a6')).toMatchObject({ outcome: 'raised', alarm: { alarmId: 'a6' } });
      // Another device or type never reopens this one.
      await store.alarms.clear('H1', 'battery_critical', at(98));
      expect((await store.alarms.raise(raise(99, { deviceId: 'H2' }), 'b1', DWELL)).outcome).toBe('raised');
      expect((await store.alarms.raise(raise(99, { type: 'overheating' }), 'c1', DWELL)).outcome).toBe('raised');
      expect((await store.alarms.list({ limit: 50 })).alarms.map((a) => a.alarmId).sort()).toEqual(['a1', 'a5', 'a6', 'b1', 'c1']);
    });

    it('reopens an alarm cleared by its acknowledgement; concurrent raises after a clear reopen it once', async () => {
      const store = await make();
      await store.alarms.raise(raise(0, { type: 'recording_rejected', severity: 'warning' }), 'r1', DWELL);
      await store.alarms.acknowledge('r1', tablet, at(1), true);
      const results = await Promise.all(
        [2, 3, 4].map((s) => store.alarms.raise(raise(s, { type: 'recording_rejected', severity: 'warning' }), `r${s}`, DWELL)),
      );
      expect(results.map((r) => r.outcome).sort()).toEqual(['reopened', 'updated', 'updated']);
      expect(await store.alarms.get('r1')).toMatchObject({ state: 'active', count: 4 });
    });

    it('with mayOpen false repeats an open alarm but raises or reopens none', async () => {
      const store = await make();
      expect(await store.alarms.raise(raise(0), 'a1', { mayOpen: false })).toEqual({ outcome: 'suppressed' });
      expect(await store.alarms.get('a1')).toBeNull();
      await store.alarms.raise(raise(1), 'a1', DWELL);
      expect((await store.alarms.raise(raise(2), 'x', { ...DWELL, mayOpen: false })).outcome).toBe('updated');
      await store.alarms.clear('H1', 'battery_critical', at(3));
      expect(await store.alarms.raise(raise(4), 'x', { ...DWELL, mayOpen: false })).toEqual({ outcome: 'suppressed' });
      expect(await store.alarms.get('a1')).toMatchObject({ state: 'cleared' });
      expect(await store.alarms.open()).toEqual([]);
    });
  });
}

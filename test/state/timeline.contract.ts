import { describe, expect, it } from 'vitest';
import type { TimelineEntryInput } from '../../src/state';
import { eventually } from '../helpers/clients';
import { storeMaker, type StoreFactory } from './store.contract';

const entry = (kind: string, deviceIds: string[], overrides: Partial<TimelineEntryInput> = {}): TimelineEntryInput => ({
  at: new Date(),
  kind,
  deviceIds,
  ...overrides,
});

/** The append-only log and the telemetry history, run unchanged against both stores. */
export function timelineContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: timeline`, () => {
    const make = storeMaker(factory);
    it("appends to each device's timeline and, with an actor, to the audit log; reads newest first in pages", async () => {
      const store = await make();
      const actor = { kind: 'tablet' as const, id: 'TABLET_1' };
      const [a, b, c] = await store.timeline.append([
        entry('device.connected', ['H1']),
        entry('session.started', ['H1', 'H2'], {
          sessionId: 'S1',
          actor,
          outcome: 'ok',
          details: { note: 'x', n: 1, ok: true, none: null },
        }),
        entry('device.disconnected', ['H2']),
      ]);
      expect(a!.id).toMatch(/^\d+-\d+$/);
      expect(b).toMatchObject({ kind: 'session.started', sessionId: 'S1', actor, details: { note: 'x', n: 1, ok: true, none: null } });
      const h1 = await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 10 });
      expect(h1.map((e) => e.kind)).toEqual(['session.started', 'device.connected']);
      expect(h1[0]!.at).toBeInstanceOf(Date);
      expect(h1[0]!.uid).toBe(b!.uid);
      const h2 = await store.timeline.read({ kind: 'device', deviceId: 'H2' }, { limit: 10 });
      expect(h2.map((e) => e.kind)).toEqual(['device.disconnected', 'session.started']);
      expect(h2[1]!.uid).toBe(h1[0]!.uid);
      expect((await store.timeline.read({ kind: 'audit' }, { limit: 10 })).map((e) => e.kind)).toEqual(['session.started']);
      expect(c!.uid).not.toBe(a!.uid);

      const page1 = await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 1 });
      const page2 = await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 1, before: page1[0]!.id });
      expect(page2.map((e) => e.kind)).toEqual(['device.connected']);
      expect(await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 1, before: page2[0]!.id })).toEqual([]);
      expect(await store.timeline.read({ kind: 'device', deviceId: 'NONE' }, { limit: 10 })).toEqual([]);
    });

    it('keeps IDs increasing and reads a time window', async () => {
      const store = await make();
      const written = await store.timeline.append(Array.from({ length: 20 }, (_, i) => entry(`k${i}`, ['H1'])));
      const read = await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 50 });
      expect(read.map((e) => e.kind)).toEqual(written.map((e) => e.kind).reverse());
      expect(await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 50, from: new Date(Date.now() + 60_000) })).toEqual([]);
      expect(await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 50, to: new Date(Date.now() - 60_000) })).toEqual([]);
    });

    it('caps each stream by length, dropping the oldest', async () => {
      const store = await make({ timelineMaxEntries: 5 });
      for (let i = 0; i < 8; i++) await store.timeline.append([entry(`k${i}`, ['H1'])]);
      const read = await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 50 });
      expect(read.map((e) => e.kind)).toEqual(['k7', 'k6', 'k5', 'k4', 'k3']);
    });

    it("caps the audit log per actor: one actor's entries past its cap drop its own oldest, never another's", async () => {
      const store = await make({ auditMaxEntriesPerActor: 3, timelineMaxEntries: 5 });
      const admin = { actor: { kind: 'admin' as const, id: 'admin' }, outcome: 'ok' as const };
      const flooder = { actor: { kind: 'dashboard' as const, id: 'DASH_1' }, outcome: 'denied' as const };
      await store.timeline.append([entry('token.minted', [], admin)]);
      await store.timeline.append(Array.from({ length: 8 }, (_, i) => entry(`f${i}`, [], flooder)));
      for (let i = 8; i < 12; i++) await store.timeline.append([entry(`f${i}`, [], flooder)]);
      const read = await store.timeline.read({ kind: 'audit' }, { limit: 50 });
      expect(read.map((e) => e.kind)).toEqual(['f11', 'f10', 'f9', 'token.minted']);
      const older = await store.timeline.read({ kind: 'audit' }, { limit: 50, before: read[1]!.id });
      expect(older.map((e) => e.kind)).toEqual(['f9', 'token.minted']);
    });

    it('drops entries older than the retention', async () => {
      const store = await make({ timelineRetentionSeconds: 1 });
      await store.timeline.append([entry('old', ['H1'])]);
      await eventually(async () => expect(await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 10 })).toEqual([]), 4_000);
      await store.timeline.append([entry('new', ['H1'])]);
      expect((await store.timeline.read({ kind: 'device', deviceId: 'H1' }, { limit: 10 })).map((e) => e.kind)).toEqual(['new']);
    });

    it('keeps telemetry samples per device, oldest first, in a window', async () => {
      const store = await make();
      const now = Date.now();
      await store.timeline.appendSamples([
        { deviceId: 'H1', at: new Date(now - 120_000), values: { batteryLevel: 0.9, leftHandTracked: true } },
        { deviceId: 'H1', at: new Date(now - 60_000), values: { batteryLevel: 0.8, wifiSignalLevel: null } },
        { deviceId: 'H2', at: new Date(now), values: { batteryLevel: 0.1 } },
      ]);
      const samples = await store.timeline.samples('H1', new Date(now - 3_600_000), new Date(now + 1000), 100);
      expect(samples.map((s) => s.values.batteryLevel)).toEqual([0.9, 0.8]);
      expect(samples[0]).toEqual({ deviceId: 'H1', at: new Date(now - 120_000), values: { batteryLevel: 0.9, leftHandTracked: true } });
      expect(await store.timeline.samples('H3', new Date(0), new Date(now + 1000), 100)).toEqual([]);
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceRecord, Store, StoreTtls } from '../../src/state';
import { eventually, sleep } from '../helpers/clients';

/**
 * One behaviour, two stores: every test here runs unchanged against the memory
 * store and the Redis store (test/state/*.test.ts).
 */
export type StoreFactory = (ttls: StoreTtls) => Promise<Store>;

export const defaultTtls: StoreTtls = {
  deviceStateSeconds: 3600,
  lockSeconds: 3600,
  sessionSeconds: 3600,
  telemetrySeconds: 300,
  uploadSeconds: 3600,
};

/**
 * A suite's store maker, called inside its describe: `make()` opens a store of
 * `factory` (`defaultTtls` under any overrides), and every store it opened is
 * closed after each test.
 */
export function storeMaker(factory: StoreFactory): (ttls?: Partial<StoreTtls>) => Promise<Store> {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (ttls = {}) => {
    const s = await factory({ ...defaultTtls, ...ttls });
    open.push(s);
    return s;
  };
}

export function device(id: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    deviceId: id,
    socketId: `sock-${id}`,
    isOnline: true,
    lastSeen: new Date('2026-02-06T14:30:52.000Z'),
    connectionTime: new Date('2026-02-06T14:00:00.000Z'),
    isRecording: false,
    ...overrides,
  };
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    const make = storeMaker(factory);

    beforeEach(async () => {
      store = await make();
    });
    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("builds a feature's own store on its backing service, the implementation matching the store", async () => {
      // A feature's store as a feature would write it: a count per name, in memory or in Redis.
      const counts = store.extend({
        memory: () => {
          const values = new Map<string, number>();
          return { add: async (name: string) => values.set(name, (values.get(name) ?? 0) + 1).get(name)! };
        },
        redis: ({ client }) => ({ add: (name: string) => client.incr(`feature-count:${name}`) }),
      });
      expect(await counts.add('a')).toBe(1);
      expect(await counts.add('a')).toBe(2);
      expect(await counts.add('b')).toBe(1);
    });

    describe('devices', () => {
      it('saves, reads back and lists devices with dates intact', async () => {
        await store.devices.save(device('H1'));
        await store.devices.save(device('H2', { isOnline: false, isRecording: true }));
        expect(await store.devices.get('H1')).toEqual(device('H1'));
        expect(await store.devices.get('nope')).toBeNull();
        const ids = (await store.devices.list()).map((d) => d.deviceId).sort();
        expect(ids).toEqual(['H1', 'H2']);
        expect((await store.devices.get('H2'))!.isRecording).toBe(true);
      });

      it('updates only existing devices', async () => {
        expect(await store.devices.update('ghost', { isOnline: false })).toBeNull();
        expect(await store.devices.get('ghost')).toBeNull();
        await store.devices.save(device('H1'));
        const seen = new Date('2026-02-07T00:00:00.000Z');
        const updated = await store.devices.update('H1', { lastSeen: seen, isRecording: true });
        expect(updated).toEqual(device('H1', { lastSeen: seen, isRecording: true }));
        expect(await store.devices.get('H1')).toEqual(updated);
      });

      it('sets and clears the active session of a device', async () => {
        await store.devices.save(device('H1'));
        expect(await store.devices.update('H1', { activeSessionId: 'session_1' })).toMatchObject({ activeSessionId: 'session_1' });
        expect((await store.devices.get('H1'))!.activeSessionId).toBe('session_1');
        // Patching other fields keeps it.
        await store.devices.update('H1', { isRecording: true });
        expect((await store.devices.get('H1'))!.activeSessionId).toBe('session_1');
        const cleared = await store.devices.update('H1', { activeSessionId: null });
        expect(cleared).not.toHaveProperty('activeSessionId');
        expect(await store.devices.get('H1')).toEqual(device('H1', { isRecording: true }));
      });

      it('marks offline only while the socket still matches', async () => {
        await store.devices.save(device('H1', { socketId: 'new-socket', isRecording: true }));
        const at = new Date('2026-02-07T00:00:00.000Z');
        expect(await store.devices.markOffline('H1', 'old-socket', at)).toBe(false);
        expect(await store.devices.get('H1')).toMatchObject({ isOnline: true, isRecording: true });
        expect(await store.devices.markOffline('H1', 'new-socket', at)).toBe(true);
        expect(await store.devices.get('H1')).toMatchObject({ isOnline: false, isRecording: false, lastSeen: at });
        expect(await store.devices.markOffline('unknown', 'x', at)).toBe(false);
      });

      it('removes a device and its telemetry', async () => {
        await store.devices.save(device('H1'));
        await store.devices.saveTelemetry('H1', { batteryLevel: 0.5 });
        await store.devices.remove('H1');
        expect(await store.devices.get('H1')).toBeNull();
        expect(await store.devices.getTelemetry('H1')).toBeNull();
        expect(await store.devices.list()).toEqual([]);
      });

      it('records telemetry in one step: seen, online and cached, only for a device with a record', async () => {
        const seen = new Date('2026-03-01T10:00:00.000Z');
        expect(await store.devices.recordTelemetry('H9', { batteryLevel: 0.9 }, seen)).toBeNull();
        expect(await store.devices.getTelemetry('H9')).toBeNull();
        expect(await store.devices.get('H9')).toBeNull();

        await store.devices.save(device('H1', { isOnline: false, isRecording: true, activeSessionId: 'session_1' }));
        const written = await store.devices.recordTelemetry('H1', { batteryLevel: 0.7 }, seen);
        expect(written).toEqual({
          record: device('H1', { isOnline: true, isRecording: true, activeSessionId: 'session_1', lastSeen: seen }),
          lock: null,
        });
        expect(await store.devices.get('H1')).toEqual(written?.record);
        expect(await store.devices.getTelemetry('H1')).toEqual({ batteryLevel: 0.7 });
      });

      it('answers the lock of the device it records telemetry for, as locks.get does', async () => {
        const seen = new Date('2026-03-01T10:00:00.000Z');
        await store.devices.save(device('H1'));
        await store.devices.save(device('H2'));
        const acquired = await store.locks.acquire('H1', 'TABLET_A');
        expect(acquired.outcome).toBe('acquired');
        const locked = await store.devices.recordTelemetry('H1', { batteryLevel: 0.7 }, seen);
        expect(locked?.lock).toEqual(await store.locks.get('H1'));
        expect(locked?.lock).toMatchObject({ deviceId: 'H1', tabletId: 'TABLET_A' });
        expect((await store.devices.recordTelemetry('H2', { batteryLevel: 0.7 }, seen))?.lock).toBeNull();
        await store.locks.release('H1', 'TABLET_A');
        expect((await store.devices.recordTelemetry('H1', { batteryLevel: 0.6 }, seen))?.lock).toBeNull();
      });

      it('answers each of many devices recording telemetry at once with its own record and lock', async () => {
        const seen = new Date('2026-03-01T10:00:00.000Z');
        const ids = Array.from({ length: 700 }, (_, i) => `H${i}`);
        // Every third device has no record; one in the middle is locked and one is in a session.
        for (const id of ids.filter((_, i) => i % 3 !== 1)) await store.devices.save(device(id));
        await store.devices.save(device('H300', { isRecording: true, activeSessionId: 'session_300' }));
        await store.locks.acquire('H351', 'TABLET_B');

        const written = await Promise.all(ids.map((id, i) => store.devices.recordTelemetry(id, { batteryLevel: i / 1000 }, seen)));
        ids.forEach((id, i) => {
          if (i % 3 === 1) expect(written[i], id).toBeNull();
          else expect(written[i]?.record.deviceId, id).toBe(id);
        });
        expect(written[300]?.record).toEqual(device('H300', { isRecording: true, activeSessionId: 'session_300', lastSeen: seen }));
        expect(written[351]?.lock).toMatchObject({ deviceId: 'H351', tabletId: 'TABLET_B' });
        expect(written.filter((w) => w?.lock).length).toBe(1);
        expect(await store.devices.getTelemetry('H699')).toEqual({ batteryLevel: 0.699 });
        expect(await store.devices.getTelemetry('H1')).toBeNull();
      });

      it('says which of many devices have a record, in one step', async () => {
        expect(await store.devices.existing([])).toEqual(new Set());
        await store.devices.save(device('H1'));
        await store.devices.save(device('H3'));
        await store.devices.saveTelemetry('H2', { batteryLevel: 0.2 }); // telemetry alone is no record
        expect(await store.devices.existing(['H1', 'H2', 'H3', 'H4'])).toEqual(new Set(['H1', 'H3']));
        await store.devices.remove('H1');
        expect(await store.devices.existing(['H1', 'H3'])).toEqual(new Set(['H3']));
      });

      it('reads the telemetry of many devices at once', async () => {
        await store.devices.saveTelemetry('H1', { batteryLevel: 0.1 });
        await store.devices.saveTelemetry('H3', { batteryLevel: 0.3 });
        const many = await store.devices.getTelemetryMany(['H1', 'H2', 'H3']);
        expect([...many.entries()].sort()).toEqual([
          ['H1', { batteryLevel: 0.1 }],
          ['H3', { batteryLevel: 0.3 }],
        ]);
        expect(await store.devices.getTelemetryMany([])).toEqual(new Map());
      });

      it('caches telemetry and expires it with its TTL', async () => {
        const s = await make({ telemetrySeconds: 1 });
        await s.devices.saveTelemetry('H1', { batteryLevel: 0.42, wifiSSID: 'lab' });
        expect(await s.devices.getTelemetry('H1')).toEqual({ batteryLevel: 0.42, wifiSSID: 'lab' });
        await eventually(async () => expect(await s.devices.getTelemetry('H1')).toBeNull());
      });

      it('expires device records with their TTL and drops them from the list', async () => {
        const s = await make({ deviceStateSeconds: 1 });
        await s.devices.save(device('H1'));
        expect(await s.devices.list()).toHaveLength(1);
        await eventually(async () => expect(await s.devices.list()).toEqual([]));
        expect(await s.devices.get('H1')).toBeNull();
      });

      it('renews a device record on every update, going offline included', async () => {
        const s = await make({ deviceStateSeconds: 1 });
        await s.devices.save(device('H1', { socketId: 'sock' }));
        await sleep(600);
        expect(await s.devices.markOffline('H1', 'sock', new Date())).toBe(true);
        await sleep(600);
        // 1.2 s after the save: still there only because going offline renewed the TTL.
        expect(await s.devices.get('H1')).toMatchObject({ isOnline: false });
      });

      it('returns copies, so callers cannot change stored state by reference', async () => {
        await store.devices.save(device('H1'));
        const read = (await store.devices.get('H1'))!;
        read.isOnline = false;
        expect((await store.devices.get('H1'))!.isOnline).toBe(true);
      });
    });

    describe('locks', () => {
      it('gives a free lock to exactly one of 50 concurrent acquirers', async () => {
        const tablets = Array.from({ length: 50 }, (_, i) => `T${i}`);
        const results = await Promise.all(tablets.map((t) => store.locks.acquire('H1', t)));
        const winners = results.filter((r) => r.outcome === 'acquired');
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.outcome === 'acquired' ? winners[0]!.lock.tabletId : '';
        for (const r of results) if (r.outcome === 'held') expect(r.holder).toBe(winner);
        expect((await store.locks.get('H1'))!.tabletId).toBe(winner);
        expect(await store.locks.heldBy(winner)).toEqual(['H1']);
      });

      it('lets the owner refresh and only the owner release', async () => {
        expect((await store.locks.acquire('H1', 'A')).outcome).toBe('acquired');
        expect((await store.locks.acquire('H1', 'A')).outcome).toBe('refreshed');
        expect(await store.locks.acquire('H1', 'B')).toEqual({ outcome: 'held', holder: 'A' });
        expect(await store.locks.release('H1', 'B')).toBe(false);
        expect((await store.locks.get('H1'))!.tabletId).toBe('A');
        expect(await store.locks.release('H1', 'A')).toBe(true);
        expect(await store.locks.get('H1')).toBeNull();
        expect(await store.locks.heldBy('A')).toEqual([]);
        expect((await store.locks.acquire('H1', 'B')).outcome).toBe('acquired');
      });

      it('expires a lock with its TTL, after which another tablet can take it', async () => {
        const s = await make({ lockSeconds: 1 });
        await s.locks.acquire('H1', 'A');
        expect(await s.locks.heldBy('A')).toEqual(['H1']);
        await eventually(async () => expect(await s.locks.get('H1')).toBeNull());
        expect(await s.locks.heldBy('A')).toEqual([]);
        expect((await s.locks.acquire('H1', 'B')).outcome).toBe('acquired');
      });

      it('refreshing extends the TTL', async () => {
        const s = await make({ lockSeconds: 1 });
        await s.locks.acquire('H1', 'A');
        await sleep(600);
        expect((await s.locks.acquire('H1', 'A')).outcome).toBe('refreshed');
        await sleep(600);
        // 1.2 s after the first acquire: alive only because the refresh moved the expiry.
        expect((await s.locks.get('H1'))?.tabletId).toBe('A');
      });

      it('keeps lockedAt at the time the device was locked when the owner refreshes it, and resets it after a release', async () => {
        const first = await store.locks.acquire('H1', 'A');
        if (first.outcome !== 'acquired') throw new Error('not acquired');
        // Let the clock move, so a refresh stamping "now" would show.
        await sleep(20);
        const refreshed = await store.locks.acquire('H1', 'A');
        if (refreshed.outcome !== 'refreshed') throw new Error('not refreshed');
        expect(refreshed.lock.lockedAt.getTime()).toBe(first.lock.lockedAt.getTime());
        expect((await store.locks.get('H1'))!.lockedAt.getTime()).toBe(first.lock.lockedAt.getTime());
        expect((await store.locks.getMany(['H1'])).get('H1')!.lockedAt.getTime()).toBe(first.lock.lockedAt.getTime());

        expect(await store.locks.release('H1', 'A')).toBe(true);
        await sleep(20);
        const again = await store.locks.acquire('H1', 'B');
        if (again.outcome !== 'acquired') throw new Error('not acquired');
        expect(again.lock.lockedAt.getTime()).toBeGreaterThan(first.lock.lockedAt.getTime());
        expect((await store.locks.get('H1'))!.lockedAt.getTime()).toBe(again.lock.lockedAt.getTime());
      });

      it('reports locks for many devices and what a tablet holds', async () => {
        await store.locks.acquire('H1', 'A');
        await store.locks.acquire('H2', 'A');
        await store.locks.acquire('H3', 'B');
        const locks = await store.locks.getMany(['H1', 'H2', 'H3', 'H4']);
        expect([...locks.keys()].sort()).toEqual(['H1', 'H2', 'H3']);
        expect(locks.get('H3')!.tabletId).toBe('B');
        expect(locks.get('H1')!.lockedAt).toBeInstanceOf(Date);
        expect(Math.abs(locks.get('H1')!.lockedAt.getTime() - Date.now())).toBeLessThan(60_000);
        expect((await store.locks.heldBy('A')).sort()).toEqual(['H1', 'H2']);
        expect(await store.locks.getMany([])).toEqual(new Map());
      });
    });

    describe('leases', () => {
      it('gives a lease to one owner at a time, renews it for the holder, and lets it expire', async () => {
        expect(await store.leases.tryAcquire('sweep', 'A', 1_000)).toBe(true);
        expect(await store.leases.tryAcquire('sweep', 'B', 1_000)).toBe(false);
        expect(await store.leases.tryAcquire('sweep', 'A', 1_000)).toBe(true);
        expect(await store.leases.tryAcquire('other', 'B', 1_000)).toBe(true);
        await eventually(async () => expect(await store.leases.tryAcquire('sweep', 'B', 1_000)).toBe(true));
        expect(await store.leases.tryAcquire('sweep', 'A', 1_000)).toBe(false);
      });

      it('lets only the holder release', async () => {
        await store.leases.tryAcquire('sweep', 'A', 60_000);
        await store.leases.release('sweep', 'B');
        expect(await store.leases.tryAcquire('sweep', 'B', 60_000)).toBe(false);
        await store.leases.release('sweep', 'A');
        expect(await store.leases.tryAcquire('sweep', 'B', 60_000)).toBe(true);
      });

      it('gives a free lease to exactly one of many concurrent owners', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.leases.tryAcquire('race', `P${i}`, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}

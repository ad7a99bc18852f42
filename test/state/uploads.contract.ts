import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, UploadRecord } from '../../src/state';
import { eventually } from '../helpers/clients';
import { storeMaker, type StoreFactory } from './store.contract';

/** Upload records, their key index and claims, run unchanged against both stores. */
export function uploadsContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: uploads`, () => {
    let store: Store;
    const make = storeMaker(factory);

    beforeEach(async () => {
      store = await make();
    });
    describe('uploads', () => {
      const upload = (id: string, overrides: Partial<UploadRecord> = {}): UploadRecord => ({
        uploadId: id,
        key: 'sessions/20260206_143052/recording.mp4',
        fileType: 'video',
        fileSize: 25 * 1024 * 1024,
        partSize: 10 * 1024 * 1024,
        totalParts: 3,
        deviceId: 'H1',
        startedAt: new Date('2026-02-06T14:30:52.000Z'),
        status: 'in-progress',
        ...overrides,
      });

      it('saves, reads and removes upload records, found by object key', async () => {
        await store.uploads.save(upload('u1'));
        const done = upload('u2', { status: 'completed', completedAt: new Date(5_000), etag: '"abc-3"' });
        await store.uploads.save(done);
        await store.uploads.save(upload('u3', { key: 'sessions/20260206_143053/recording.mp4' }));
        expect(await store.uploads.get('u1')).toEqual(upload('u1'));
        expect(await store.uploads.get('u2')).toEqual(done);
        const ids = async (key: string) => (await store.uploads.onKey(key)).map((u) => u.uploadId).sort();
        expect(await ids('sessions/20260206_143052/recording.mp4')).toEqual(['u1', 'u2']);
        expect(await ids('sessions/20260206_143053/recording.mp4')).toEqual(['u3']);
        expect(await ids('sessions/20260206_143054/recording.mp4')).toEqual([]);
        await store.uploads.remove('u1');
        expect(await store.uploads.get('u1')).toBeNull();
        expect(await ids('sessions/20260206_143052/recording.mp4')).toEqual(['u2']);
      });

      it('keeps a count and the oldest start of uploads in progress, and lists the stale ones oldest first', async () => {
        const at = (s: number) => new Date(Date.UTC(2026, 1, 6, 14, 0, s));
        expect(await store.uploads.summary()).toEqual({ count: 0 });
        await store.uploads.save(upload('late', { startedAt: at(30) }));
        await store.uploads.save(upload('early', { startedAt: at(10) }));
        await store.uploads.save(upload('middle', { startedAt: at(20) }));
        await store.uploads.save(upload('done', { startedAt: at(5), status: 'completed', completedAt: at(40) }));
        expect(await store.uploads.summary()).toEqual({ count: 3, oldestStartedAt: at(10) });
        const stale = async (before: Date, limit = 10) => (await store.uploads.inProgressBefore(before, limit)).map((u) => u.uploadId);
        expect(await stale(at(25))).toEqual(['early', 'middle']);
        expect(await stale(at(60), 2)).toEqual(['early', 'middle']);
        expect(await stale(at(10))).toEqual([]);

        // Completing and removing keep the count without a recount.
        await store.uploads.save({ ...(await store.uploads.get('early'))!, status: 'completed', completedAt: at(50) });
        await store.uploads.remove('middle');
        expect(await store.uploads.summary()).toEqual({ count: 1, oldestStartedAt: at(30) });
        expect(await stale(at(60))).toEqual(['late']);
      });

      it('expires upload records with their TTL, and their index entries with them', async () => {
        const s = await make({ uploadSeconds: 1 });
        await s.uploads.save(upload('u1', { startedAt: new Date() }));
        expect((await s.uploads.summary()).count).toBe(1);
        await eventually(async () => expect(await s.uploads.get('u1')).toBeNull());
        expect(await s.uploads.onKey(upload('u1').key)).toEqual([]);
        expect(await s.uploads.summary()).toEqual({ count: 0 });
        expect(await s.uploads.inProgressBefore(new Date(Date.now() + 60_000), 10)).toEqual([]);
      });

      it('claims an object key for one owner, renews it for that owner, and lets only the owner release it', async () => {
        const key = 'sessions/20260206_143052_H1/recording.mp4';
        expect(await store.uploads.claimKey(key, 'device:H1')).toEqual({ outcome: 'claimed' });
        expect(await store.uploads.claimKey(key, 'device:H1')).toEqual({ outcome: 'renewed' });
        expect(await store.uploads.claimKey(key, 'device:H2')).toEqual({ outcome: 'held', owner: 'device:H1' });
        expect(await store.uploads.claimKey('sessions/20260206_143052_H1/session_data.npz', 'device:H2')).toEqual({ outcome: 'claimed' });
        expect(await store.uploads.releaseKey(key, 'device:H2')).toBe(false);
        expect(await store.uploads.claimKey(key, 'device:H2')).toMatchObject({ outcome: 'held' });
        expect(await store.uploads.releaseKey(key, 'device:H1')).toBe(true);
        expect(await store.uploads.claimKey(key, 'device:H2')).toEqual({ outcome: 'claimed' });
      });

      it("caps a device's uploads in progress, atomically; completing or removing one frees its place", async () => {
        const mine = (i: number) => upload(`h1-${i}`, { key: `sessions/20260206_1430${10 + i}_H1/recording.mp4` });
        const results = await Promise.all([0, 1, 2, 3, 4].map((i) => store.uploads.begin(mine(i), 3)));
        expect(results.filter(Boolean)).toHaveLength(3);
        expect(await store.uploads.inProgressOf('H1')).toBe(3);
        // Another device, and an upload with no device, have caps of their own (none for the latter).
        expect(await store.uploads.begin(upload('h2', { deviceId: 'H2' }), 3)).toBe(true);
        const operator = upload('op');
        delete operator.deviceId;
        expect(await store.uploads.begin(operator, 0)).toBe(true);
        expect(await store.uploads.inProgressOf('H2')).toBe(1);

        const begun = [0, 1, 2, 3, 4].filter((i) => results[i]).map(mine);
        await store.uploads.save({ ...begun[0]!, status: 'completed', completedAt: new Date() });
        expect(await store.uploads.inProgressOf('H1')).toBe(2);
        expect(await store.uploads.begin(mine(7), 3)).toBe(true);
        expect(await store.uploads.begin(mine(8), 3)).toBe(false);
        await store.uploads.remove(begun[1]!.uploadId);
        expect(await store.uploads.begin(mine(8), 3)).toBe(true);
        expect(await store.uploads.get(mine(8).uploadId)).toEqual(mine(8));
        expect((await store.uploads.summary()).count).toBe(5);
      });

      it('frees the place of an in-progress upload whose record expired', async () => {
        const s = await make({ uploadSeconds: 1 });
        expect(await s.uploads.begin(upload('old'), 1)).toBe(true);
        expect(await s.uploads.begin(upload('new'), 1)).toBe(false);
        await eventually(async () => expect(await s.uploads.begin(upload('new'), 1)).toBe(true));
      });

      it('gives a free key to exactly one of 8 concurrent claimers', async () => {
        const key = 'sessions/20260206_143052/recording.mp4';
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.uploads.claimKey(key, `device:H${i}`)));
        const winners = results.filter((r) => r.outcome === 'claimed');
        expect(winners).toHaveLength(1);
        const winner = `device:H${results.indexOf(winners[0]!)}`;
        expect(results.filter((r) => r.outcome === 'held')).toEqual(Array(7).fill({ outcome: 'held', owner: winner }));
      });

      it('expires a claim with the upload TTL', async () => {
        const s = await make({ uploadSeconds: 1 });
        await s.uploads.claimKey('sessions/20260206_143052/recording.mp4', 'device:H1');
        await eventually(async () =>
          expect((await s.uploads.claimKey('sessions/20260206_143052/recording.mp4', 'device:H2')).outcome).toBe('claimed'),
        );
      });
    });
  });
}

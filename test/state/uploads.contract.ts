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

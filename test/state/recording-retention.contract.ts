import { describe, expect, it } from 'vitest';
import type { RecordingRecord } from '../../src/state';
import { recording } from './recordings.contract';
import { storeMaker, type StoreFactory } from './store.contract';

const T0 = Date.parse('2026-02-06T14:30:00Z');
const file = { key: 'k', state: 'complete' as const, size: 1, updatedAt: new Date(T0) };

/** What the per-headset cap and the retention of file-less records read, run unchanged against both stores. */
export function recordingRetentionContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: recordings awaiting files and their retention`, () => {
    const make = storeMaker(factory);

    it("counts a device's records awaiting files and lists the stale ones oldest first, following every change", async () => {
      const store = await make();
      const put = (r: RecordingRecord) => store.recordings.update(r.recordingId, () => ({ next: r, result: undefined }));
      const at = (s: number) => new Date(T0 + s * 1000);
      await put(recording('20260206_143000_H1', T0, { state: 'recording', updatedAt: at(0) })); // never stopped
      await put(recording('20260206_143001_H1', T0 + 1000, { state: 'recording', stoppedAt: at(2), updatedAt: at(2) }));
      await put(recording('20260206_143002_H1', T0 + 2000, { state: 'uploading', updatedAt: at(3) }));
      await put(recording('20260206_143003_H1', T0 + 3000, { state: 'incomplete', updatedAt: at(30) }));
      await put(recording('20260206_143004_H1', T0 + 4000, { state: 'verified', files: { video: file, data: file }, updatedAt: at(5) }));
      await put(recording('20260206_143005_H2', T0 + 5000, { state: 'incomplete', updatedAt: at(10) }));

      expect(await store.recordings.awaitingFilesOf('H1')).toBe(4);
      expect(await store.recordings.awaitingFilesOf('H2')).toBe(1);
      expect(await store.recordings.awaitingFilesOf('H3')).toBe(0);
      expect(await store.recordings.staleBefore(at(60), 10)).toEqual(['20260206_143000_H1', '20260206_143005_H2', '20260206_143003_H1']);
      expect(await store.recordings.staleBefore(at(20), 10)).toEqual(['20260206_143000_H1', '20260206_143005_H2']);
      expect(await store.recordings.staleBefore(at(60), 1)).toEqual(['20260206_143000_H1']);

      // Its files arrive: it awaits nothing and is not stale.
      await store.recordings.update('20260206_143003_H1', (c) => ({
        next: { ...c!, state: 'verifying', files: { video: file, data: file }, updatedAt: at(40) },
        result: undefined,
      }));
      expect(await store.recordings.awaitingFilesOf('H1')).toBe(3);
      expect(await store.recordings.staleBefore(at(60), 10)).toEqual(['20260206_143000_H1', '20260206_143005_H2']);
    });

    it('removes a record unless it changed into one to keep, and forgets it in every index', async () => {
      const store = await make();
      const id = '20260206_143003_H1';
      await store.recordings.update(id, () => ({ next: recording(id, T0, { state: 'incomplete' }), result: undefined }));
      const stillIncomplete = (r: RecordingRecord) => r.state !== 'incomplete';
      // A late upload moved it on: it is kept.
      await store.recordings.update(id, (c) => ({ next: { ...c!, state: 'uploading' }, result: undefined }));
      expect(await store.recordings.remove(id, stillIncomplete)).toBe(false);
      expect(await store.recordings.get(id)).not.toBeNull();
      await store.recordings.update(id, (c) => ({ next: { ...c!, state: 'incomplete' }, result: undefined }));
      expect(await store.recordings.remove(id, stillIncomplete)).toBe(true);
      expect(await store.recordings.remove(id)).toBe(false);
      expect(await store.recordings.get(id)).toBeNull();
      expect(await store.recordings.awaitingFilesOf('H1')).toBe(0);
      expect(await store.recordings.staleBefore(new Date(T0 + 3600_000), 10)).toEqual([]);
      expect((await store.recordings.counts()).byState.incomplete).toBe(0);
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordingRecord, Store } from '../../src/state';
import { defaultTtls, type StoreFactory } from './store.contract';

export function recording(id: string, createdAtMs: number, overrides: Partial<RecordingRecord> = {}): RecordingRecord {
  return {
    recordingId: id,
    deviceId: id.slice(16) || 'H1',
    createdAt: new Date(createdAtMs),
    updatedAt: new Date(createdAtMs),
    state: 'recording',
    files: {},
    tags: {},
    history: [],
    ...overrides,
  };
}

const T0 = Date.parse('2026-02-06T14:30:00Z');

/** The recordings sub-store, run unchanged against both stores. */
export function recordingsContract(name: string, makeStore: StoreFactory): void {
  describe(`RecordingStore contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore(defaultTtls);
    });
    afterEach(async () => {
      await store.close();
    });
    const put = (r: RecordingRecord) => store.recordings.update(r.recordingId, () => ({ next: r, result: undefined }));

    it("keeps a client's words as written, even under a date field's name", async () => {
      const words = { at: 'lab-3', until: 'done', createdAt: 'yesterday' };
      await put(
        recording('20260206_143002_H1', T0, {
          tags: words,
          history: [{ at: new Date(T0), actor: { kind: 'admin', id: 'admin' }, change: 'reviewed', detail: { ...words } }],
        }),
      );
      const read = await store.recordings.get('20260206_143002_H1');
      expect(read!.tags).toEqual(words);
      expect(read!.history[0]!.detail).toEqual(words);
      expect(read!.history[0]!.at).toEqual(new Date(T0));
      expect(read!.createdAt).toEqual(new Date(T0));
    });

    it('creates, reads back with dates, and updates a record through its change function', async () => {
      expect(await store.recordings.get('20260206_143000_H1')).toBeNull();
      const seen = await store.recordings.update('20260206_143000_H1', (current) => ({
        next: recording('20260206_143000_H1', T0, { startedAt: new Date(T0), tags: { take: '1' } }),
        result: current,
      }));
      expect(seen).toBeNull();
      const read = await store.recordings.get('20260206_143000_H1');
      expect(read).toEqual(recording('20260206_143000_H1', T0, { startedAt: new Date(T0), tags: { take: '1' } }));
      expect(read!.startedAt).toBeInstanceOf(Date);
      await put(recording('20260206_143001_H1', T0 + 1000, { state: 'verifying' }));
      await store.recordings.remove('20260206_143001_H1');
      await store.recordings.remove('20260206_143009_H1');
      expect(await store.recordings.get('20260206_143001_H1')).toBeNull();
      expect((await store.recordings.list({ limit: 10 })).recordings.map((r) => r.recordingId)).toEqual(['20260206_143000_H1']);
      expect(await store.recordings.verifying(10)).toEqual([]);
      expect((await store.recordings.counts()).byState.verifying).toBe(0);
      const unchanged = await store.recordings.update('20260206_143000_H1', (current) => ({ next: null, result: current?.state }));
      expect(unchanged).toBe('recording');
    });

    it('loses no update when many run at once on one record', async () => {
      await put(recording('20260206_143000_H1', T0));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.recordings.update('20260206_143000_H1', (current) => ({
            next: { ...current!, tags: { ...current!.tags, [`k${i}`]: 'v' } },
            result: undefined,
          })),
        ),
      );
      expect(Object.keys((await store.recordings.get('20260206_143000_H1'))!.tags)).toHaveLength(20);
    });

    it('lists newest first, filtered, in pages that neither repeat nor skip', async () => {
      for (let i = 0; i < 12; i++) {
        await put(
          recording(`20260206_1430${String(i).padStart(2, '0')}_H${i % 3}`, T0 + i * 1000, {
            sessionId: i % 2 ? 'S_odd' : 'S_even',
            state: i % 4 === 0 ? 'verified' : 'uploading',
            ...(i % 4 === 0 ? { decision: 'keep' as const, tags: { site: 'lab' } } : {}),
          }),
        );
      }
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.recordings.list({ limit: 5, cursor });
        ids.push(...page.recordings.map((r) => r.recordingId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids).toHaveLength(12);
      expect(ids[0]).toBe('20260206_143011_H2');
      expect(new Set(ids).size).toBe(12);

      const odd = await store.recordings.list({ limit: 50, sessionId: 'S_odd' });
      expect(odd.recordings.map((r) => r.recordingId)).toEqual([
        '20260206_143011_H2',
        '20260206_143009_H0',
        '20260206_143007_H1',
        '20260206_143005_H2',
        '20260206_143003_H0',
        '20260206_143001_H1',
      ]);
      const h1 = await store.recordings.list({ limit: 50, deviceId: 'H1', state: 'uploading' });
      expect(h1.recordings.map((r) => r.recordingId)).toEqual(['20260206_143010_H1', '20260206_143007_H1', '20260206_143001_H1']);
      const kept = await store.recordings.list({ limit: 50, decision: 'keep', tag: { key: 'site', value: 'lab' } });
      expect(kept.recordings.map((r) => r.recordingId)).toEqual(['20260206_143008_H2', '20260206_143004_H1', '20260206_143000_H0']);
      const undecided = await store.recordings.list({ limit: 50, decision: 'none', from: new Date(T0 + 9000) });
      expect(undecided.recordings.map((r) => r.recordingId)).toEqual(['20260206_143011_H2', '20260206_143010_H1', '20260206_143009_H0']);
      // A cursor this list did not give out is refused, never read as the first page.
      await expect(store.recordings.list({ limit: 5, cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid_cursor' });
    });

    it('lists without history, in pages bounded in bytes whose cursors lose nothing; get and remove keep history with the record', async () => {
      const note = 'n'.repeat(3_000);
      const entry = { at: new Date(T0), actor: { kind: 'admin' as const, id: 'admin' }, change: 'reviewed' };
      for (let i = 0; i < 6; i++) await put(recording(`20260206_14300${i}_H1`, T0 + i * 1000, { note, history: [entry] }));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.recordings.list({ limit: 50, maxBytes: 7_000, ...(cursor ? { cursor } : {}) });
        expect(page.recordings.length).toBeGreaterThan(0);
        expect(page.recordings.length).toBeLessThanOrEqual(2);
        for (const r of page.recordings) expect('history' in r).toBe(false);
        seen.push(...page.recordings.map((r) => r.recordingId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => `20260206_14300${5 - i}_H1`));
      // One record larger than the bound is still a page of its own.
      expect((await store.recordings.list({ limit: 50, maxBytes: 10 })).recordings).toHaveLength(1);
      expect((await store.recordings.get('20260206_143000_H1'))!.history).toEqual([entry]);
      expect(await store.recordings.remove('20260206_143000_H1')).toBe(true);
      await put(recording('20260206_143000_H1', T0));
      expect((await store.recordings.get('20260206_143000_H1'))!.history).toEqual([]);
    });

    it('keeps the time queues: verifying, waiting for files, discarded; and counts by state and verdict', async () => {
      await put(recording('20260206_143000_H1', T0, { state: 'verifying', updatedAt: new Date(T0 + 5) }));
      await put(recording('20260206_143001_H1', T0 + 1000, { state: 'recording' }));
      await put(recording('20260206_143002_H1', T0 + 2000, { state: 'recording', stoppedAt: new Date(T0 + 3000) }));
      await put(recording('20260206_143003_H1', T0 + 3000, { state: 'uploading' }));
      await put(
        recording('20260206_143004_H1', T0 + 4000, {
          state: 'verified',
          decision: 'discard',
          discardedAt: new Date(T0 + 5000),
          verification: { verdict: 'pass', reasons: [], qaScore: 90, checks: {}, verifiedAt: new Date(T0), durationMs: 1 },
        }),
      );
      expect(await store.recordings.verifying(10)).toEqual(['20260206_143000_H1']);
      expect(await store.recordings.awaitingFilesSince(new Date(T0 + 10_000), 10)).toEqual(['20260206_143002_H1', '20260206_143003_H1']);
      expect(await store.recordings.awaitingFilesSince(new Date(T0 + 3000), 10)).toEqual([]);
      expect(await store.recordings.discardedBefore(new Date(T0 + 6000), 10)).toEqual(['20260206_143004_H1']);
      expect(await store.recordings.discardedBefore(new Date(T0 + 5000), 10)).toEqual([]);
      expect(await store.recordings.counts()).toMatchObject({
        byState: { verifying: 1, recording: 2, uploading: 1, verified: 1 },
        byVerdict: { pass: 1, fail: 0 },
      });

      // Moving on takes a record out of the queues it no longer belongs in, and the counts follow.
      await store.recordings.update('20260206_143000_H1', (c) => ({
        next: {
          ...c!,
          state: 'rejected',
          verification: { verdict: 'fail', reasons: ['x'], qaScore: 10, checks: {}, verifiedAt: new Date(T0), durationMs: 1 },
        },
        result: undefined,
      }));
      await store.recordings.update('20260206_143004_H1', (c) => ({ next: { ...c!, purgedAt: new Date(T0 + 7000) }, result: undefined }));
      expect(await store.recordings.verifying(10)).toEqual([]);
      expect(await store.recordings.discardedBefore(new Date(T0 + 60_000), 10)).toEqual([]);
      expect(await store.recordings.counts()).toMatchObject({
        byState: { verifying: 0, rejected: 1, verified: 1 },
        byVerdict: { pass: 1, fail: 1 },
      });
    });
  });
}

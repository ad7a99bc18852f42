import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../../src/state';
import { eventually } from '../helpers/clients';
import { storeMaker, type StoreFactory } from './store.contract';

function session(id: string, createdAt: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: id,
    tabletId: 'TABLET_1',
    deviceIds: ['H1', 'H2'],
    status: 'pending',
    createdAt: new Date(createdAt),
    deviceStatuses: {
      H1: { isRecording: false, frameCount: 0, uploadProgress: 0, uploadStatus: 'pending' },
    },
    ...overrides,
  };
}

/** Sessions, their device statuses and each tablet's active-session pointer, run unchanged against both stores. */
export function sessionsContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: sessions`, () => {
    let store: Store;
    const make = storeMaker(factory);

    beforeEach(async () => {
      store = await make();
    });
    describe('sessions', () => {
      it('round-trips a session with optional fields', async () => {
        const full = session('s1', 1_000, {
          status: 'completed',
          startedAt: new Date(2_000),
          endedAt: new Date(3_000),
          endReason: 'expired',
          metadata: { participant: 'P7', nested: { a: [1, 2] } },
        });
        await store.sessions.save(full);
        expect(await store.sessions.get('s1')).toEqual(full);
        const minimal = session('s2', 1_000);
        await store.sessions.save(minimal);
        expect(await store.sessions.get('s2')).toEqual(minimal);
        expect(await store.sessions.get('nope')).toBeNull();
      });

      it('replaces a session on save, dropping fields no longer set', async () => {
        await store.sessions.save(session('s1', 1_000, { endReason: 'x', status: 'completed' }));
        await store.sessions.save(session('s1', 1_000, { status: 'recording' }));
        const read = await store.sessions.get('s1');
        expect(read!.status).toBe('recording');
        expect(read).not.toHaveProperty('endReason');
      });

      it('lists newest first with filters and cursor paging', async () => {
        const now = Date.now();
        for (let i = 0; i < 7; i++) {
          await store.sessions.save(
            session(`s${i}`, now - (7 - i) * 1000, {
              status: i % 2 === 0 ? 'completed' : 'recording',
              tabletId: i < 4 ? 'A' : 'B',
            }),
          );
        }
        const first = await store.sessions.list({ limit: 3 });
        expect(first.sessions.map((s) => s.sessionId)).toEqual(['s6', 's5', 's4']);
        expect(first.nextCursor).toBeDefined();
        const second = await store.sessions.list({ limit: 3, cursor: first.nextCursor });
        expect(second.sessions.map((s) => s.sessionId)).toEqual(['s3', 's2', 's1']);
        const third = await store.sessions.list({ limit: 3, cursor: second.nextCursor });
        expect(third.sessions.map((s) => s.sessionId)).toEqual(['s0']);
        expect(third.nextCursor).toBeUndefined();

        const completed = await store.sessions.list({ limit: 10, status: 'completed' });
        expect(completed.sessions.map((s) => s.sessionId)).toEqual(['s6', 's4', 's2', 's0']);
        const tabletA = await store.sessions.list({ limit: 10, tabletId: 'A', status: 'recording' });
        expect(tabletA.sessions.map((s) => s.sessionId)).toEqual(['s3', 's1']);
      });

      it('lists a tablet’s sessions from its own index, with metadata, and counts them for its quota', async () => {
        const now = Date.now();
        const meta = { participant: 'P7', notes: 'x'.repeat(1000) };
        await store.sessions.save(session('a1', now - 3000, { tabletId: 'A', status: 'completed', metadata: meta }));
        await store.sessions.save(session('b1', now - 2000, { tabletId: 'B' }));
        await store.sessions.save(session('a2', now - 1000, { tabletId: 'A', metadata: meta }));
        const page = await store.sessions.list({ tabletId: 'A', limit: 1 });
        expect(page.sessions).toEqual([session('a2', now - 1000, { tabletId: 'A', metadata: meta })]);
        const next = await store.sessions.list({ tabletId: 'A', limit: 1, cursor: page.nextCursor });
        expect(next.sessions.map((s) => [s.sessionId, s.metadata])).toEqual([['a1', meta]]);
        expect(next.nextCursor).toBeUndefined();
        expect(await store.sessions.countForTablet('A')).toBe(2);
        expect(await store.sessions.countForTablet('B')).toBe(1);
        expect(await store.sessions.countForTablet('C')).toBe(0);
        await store.sessions.remove('a1');
        expect(await store.sessions.countForTablet('A')).toBe(1);
        expect((await store.sessions.list({ tabletId: 'A', limit: 10 })).sessions.map((s) => s.sessionId)).toEqual(['a2']);
      });

      it('keeps metadata through transitions and device status updates', async () => {
        const meta = { participant: 'P7' };
        await store.sessions.save(session('s1', Date.now(), { metadata: meta }));
        const moved = await store.sessions.transition('s1', ['pending'], { status: 'recording' });
        expect(moved.outcome === 'done' && moved.session.metadata).toEqual(meta);
        expect((await store.sessions.updateDeviceStatus('s1', 'H1', { frameCount: 3 }))?.metadata).toEqual(meta);
        await store.sessions.save(session('s1', Date.now()));
        expect(await store.sessions.get('s1')).not.toHaveProperty('metadata');
      });

      it('keeps a count of active sessions as they are saved, moved and removed, and lists the stale ones oldest first', async () => {
        const now = Date.now();
        expect(await store.sessions.countActive()).toBe(0);
        await store.sessions.save(session('p', now - 3000, { status: 'pending', tabletId: 'A' }));
        await store.sessions.save(session('r', now - 4000, { status: 'recording', tabletId: 'B' }));
        await store.sessions.save(session('c', now - 5000, { status: 'completed', tabletId: 'C' }));
        await store.sessions.save(session('x', now - 1000, { status: 'paused', tabletId: 'D' }));
        expect(await store.sessions.countActive()).toBe(3);
        const stale = async (before: number, limit = 10) =>
          (await store.sessions.activeCreatedBefore(new Date(before), limit)).map((s) => s.sessionId);
        expect(await stale(now - 2000)).toEqual(['r', 'p']);
        expect(await stale(now, 1)).toEqual(['r']);

        await store.sessions.transition('r', ['recording'], { status: 'completed', endedAt: new Date(now) });
        expect(await store.sessions.countActive()).toBe(2);
        await store.sessions.transition('x', ['paused'], { status: 'recording' });
        expect(await store.sessions.countActive()).toBe(2);
        await store.sessions.remove('p');
        expect(await store.sessions.countActive()).toBe(1);
        await store.sessions.save(session('c', now - 5000, { status: 'pending', tabletId: 'C' }));
        expect(await store.sessions.countActive()).toBe(2);
        expect(await stale(now)).toEqual(['c', 'x']);
      });

      it('pages through sessions created in the same millisecond without loss or repeats', async () => {
        const at = Date.now();
        const ids = ['a', 'b', 'c', 'd', 'e'];
        for (const id of ids) await store.sessions.save(session(id, at));
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.sessions.list({ limit: 2, cursor });
          seen.push(...page.sessions.map((s) => s.sessionId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
      });

      it('transitions status only from the allowed statuses', async () => {
        await store.sessions.save(session('s1', 1_000));
        expect(await store.sessions.transition('nope', ['pending'], { status: 'recording' })).toEqual({ outcome: 'not-found' });
        expect(await store.sessions.transition('s1', ['recording'], { status: 'paused' })).toEqual({
          outcome: 'conflict',
          status: 'pending',
        });
        const started = await store.sessions.transition('s1', ['pending', 'paused'], {
          status: 'recording',
          startedAt: new Date(2_000),
        });
        expect(started).toEqual({ outcome: 'done', session: session('s1', 1_000, { status: 'recording', startedAt: new Date(2_000) }) });
        const ended = await store.sessions.transition('s1', ['recording'], {
          status: 'completed',
          endedAt: new Date(3_000),
          endReason: 'expired',
        });
        expect(ended.outcome === 'done' && ended.session).toMatchObject({ status: 'completed', endReason: 'expired' });
        expect(await store.sessions.get('s1')).toEqual(
          session('s1', 1_000, { status: 'completed', startedAt: new Date(2_000), endedAt: new Date(3_000), endReason: 'expired' }),
        );
        // Clearing an optional field.
        const cleared = await store.sessions.transition('s1', ['completed'], { status: 'uploading', endReason: undefined });
        expect(cleared.outcome === 'done' && cleared.session).not.toHaveProperty('endReason');
      });

      it('lets exactly one of many concurrent transitions win', async () => {
        await store.sessions.save(session('s1', 1_000, { status: 'recording' }));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.sessions.transition('s1', ['recording'], { status: i % 2 ? 'paused' : 'completed' })),
        );
        expect(results.filter((r) => r.outcome === 'done')).toHaveLength(1);
      });

      it('merges one device status without touching the others', async () => {
        await store.sessions.save(session('s1', 1_000));
        expect(await store.sessions.updateDeviceStatus('nope', 'H1', { frameCount: 1 })).toBeNull();
        await Promise.all([
          store.sessions.updateDeviceStatus('s1', 'H1', { isRecording: true }),
          store.sessions.updateDeviceStatus('s1', 'H2', { frameCount: 42 }),
        ]);
        const updated = await store.sessions.updateDeviceStatus('s1', 'H1', { uploadStatus: 'uploading', uploadProgress: 50 });
        expect(updated!.deviceStatuses).toEqual({
          H1: { isRecording: true, frameCount: 0, uploadProgress: 50, uploadStatus: 'uploading' },
          H2: { isRecording: false, frameCount: 42, uploadProgress: 0, uploadStatus: 'pending' },
        });
        expect((await store.sessions.get('s1'))!.deviceStatuses).toEqual(updated!.deviceStatuses);
      });

      it('expires sessions with their TTL', async () => {
        const s = await make({ sessionSeconds: 1 });
        await s.sessions.save(session('s1', Date.now()));
        await eventually(async () => expect(await s.sessions.get('s1')).toBeNull());
        expect((await s.sessions.list({ limit: 10 })).sessions).toEqual([]);
      });

      it('removes a session', async () => {
        await store.sessions.save(session('s1', Date.now()));
        await store.sessions.remove('s1');
        expect(await store.sessions.get('s1')).toBeNull();
        expect((await store.sessions.list({ limit: 10 })).sessions).toEqual([]);
      });
    });

    describe('device status patch without a record back', () => {
      it('merges like updateDeviceStatus and tells whether the session exists', async () => {
        await store.sessions.save(session('s1', 1_000, { deviceIds: ['H1'] }));
        expect(await store.sessions.patchDeviceStatus('s1', 'H1', { frameCount: 42 })).toBe(true);
        expect(await store.sessions.patchDeviceStatus('s1', 'H1', { isRecording: true })).toBe(true);
        expect((await store.sessions.get('s1'))!.deviceStatuses.H1).toMatchObject({ frameCount: 42, isRecording: true });
        expect(await store.sessions.patchDeviceStatus('gone', 'H1', { frameCount: 1 })).toBe(false);
      });
    });

    describe('active session pointer', () => {
      it('points a tablet at one active session; a completed or vanished one is replaced', async () => {
        await store.sessions.save(session('s1', 1_000, { tabletId: 'T1' }));
        await store.sessions.save(session('s2', 2_000, { tabletId: 'T1' }));
        expect(await store.sessions.claimActive('T1', 's1')).toEqual({ outcome: 'claimed' });
        expect(await store.sessions.claimActive('T1', 's1')).toEqual({ outcome: 'claimed' });
        expect(await store.sessions.claimActive('T1', 's2')).toEqual({ outcome: 'held', sessionId: 's1' });
        expect(await store.sessions.claimActive('T2', 's2')).toEqual({ outcome: 'claimed' });
        await store.sessions.transition('s1', ['pending'], { status: 'completed' });
        expect(await store.sessions.claimActive('T1', 's2')).toEqual({ outcome: 'claimed' });
        await store.sessions.remove('s2');
        await store.sessions.save(session('s3', 3_000, { tabletId: 'T1' }));
        expect(await store.sessions.claimActive('T1', 's3')).toEqual({ outcome: 'claimed' });
      });

      it('tells which session the pointer names, until it is released', async () => {
        await store.sessions.save(session('s1', 1_000, { tabletId: 'T1' }));
        expect(await store.sessions.activeOf('T1')).toBeNull();
        await store.sessions.claimActive('T1', 's1');
        expect(await store.sessions.activeOf('T1')).toBe('s1');
        expect(await store.sessions.activeOf('T2')).toBeNull();
        await store.sessions.releaseActive('T1', 's1');
        expect(await store.sessions.activeOf('T1')).toBeNull();
      });

      it('releases only the session the pointer names', async () => {
        await store.sessions.save(session('s1', 1_000, { tabletId: 'T1' }));
        await store.sessions.save(session('s2', 2_000, { tabletId: 'T1' }));
        await store.sessions.claimActive('T1', 's1');
        await store.sessions.releaseActive('T1', 's2');
        expect(await store.sessions.claimActive('T1', 's2')).toEqual({ outcome: 'held', sessionId: 's1' });
        await store.sessions.releaseActive('T1', 's1');
        expect(await store.sessions.claimActive('T1', 's2')).toEqual({ outcome: 'claimed' });
      });

      it('lets exactly one of many concurrent sessions of a tablet become active', async () => {
        const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
        for (const [i, id] of ids.entries()) await store.sessions.save(session(id, 1_000 + i, { tabletId: 'T1' }));
        const results = await Promise.all(ids.map((id) => store.sessions.claimActive('T1', id)));
        expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
      });
    });
  });
}

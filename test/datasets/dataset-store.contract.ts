import { describe, expect, it } from 'vitest';
import type { DatasetStore } from '../../src/datasets/dataset-store';
import type { DatasetRecord, StepResult } from '../../src/datasets/types';

export function record(datasetId: string, overrides: Partial<DatasetRecord> = {}): DatasetRecord {
  const at = new Date('2026-02-06T15:00:00.000Z');
  return {
    datasetId,
    name: 'lab',
    version: 1,
    format: 'lerobot-v3',
    task: 'pick',
    fps: 30,
    filter: { verdict: 'pass', from: new Date('2026-02-01T00:00:00.000Z'), tags: { scene: 'kitchen' } },
    state: 'queued',
    createdAt: at,
    updatedAt: at,
    createdBy: { kind: 'admin', id: 'admin' },
    total: 3,
    done: 0,
    episodes: 0,
    frames: 0,
    failures: 0,
    serverVersion: '0.1.0',
    ...overrides,
  };
}

const leftOut = (position: number, recordingId = `r${position}`): StepResult => ({
  kind: 'left-out',
  position,
  recordingId,
  reason: `why ${position}`,
});

/** What every DatasetStore promises, run against the memory and the Redis implementation. */
export function datasetStoreContract(name: string, make: () => Promise<DatasetStore>): void {
  describe(`DatasetStore contract: ${name}`, () => {
    it('gives out versions per name, 1, 2, ..., never twice, also after a dataset is removed', async () => {
      const store = await make();
      expect([await store.nextVersion('a'), await store.nextVersion('a'), await store.nextVersion('b')]).toEqual([1, 2, 1]);
      await store.create(record('d1'), [], []);
      await store.remove('d1');
      expect(await store.nextVersion('a')).toBe(3);
    });

    it('keeps a record with its dates, its frozen selection and what it left out; lists newest first; forgets it whole', async () => {
      const store = await make();
      const older = record('d1');
      const newer = record('d2', { createdAt: new Date('2026-02-07T00:00:00.000Z'), name: 'other' });
      await store.create(older, ['t1', 't2', 't3'], [{ recordingId: 'x', reason: 'discarded' }]);
      await store.create(newer, ['u1'], []);
      expect(await store.get('d1')).toEqual(older);
      expect(await store.get('none')).toBeNull();
      expect((await store.list()).map((r) => r.datasetId)).toEqual(['d2', 'd1']);
      expect(await store.count()).toBe(2);
      expect(await store.takes('d1', 0, 2)).toEqual(['t1', 't2']);
      expect(await store.takes('d1', 2, 500)).toEqual(['t3']);
      expect(await store.excluded('d1')).toEqual([{ recordingId: 'x', reason: 'discarded' }]);
      await store.saveStep('d1', leftOut(0));
      await store.remove('d1');
      expect(await store.get('d1')).toBeNull();
      expect(await store.takes('d1', 0, 10)).toEqual([]);
      expect(await store.steps('d1', 0, 10)).toEqual([]);
      expect((await store.list()).map((r) => r.datasetId)).toEqual(['d2']);
    });

    it('writes each step once: a second result for a position answers the first; steps read in order up to the first gap', async () => {
      const store = await make();
      await store.create(record('d1', { total: 5 }), ['r0', 'r1', 'r2', 'r3', 'r4'], []);
      expect(await store.saveStep('d1', leftOut(0))).toEqual(leftOut(0));
      expect(await store.saveStep('d1', leftOut(1))).toEqual(leftOut(1));
      expect(await store.saveStep('d1', leftOut(1, 'another'))).toEqual(leftOut(1));
      await store.saveStep('d1', leftOut(3));
      expect(await store.steps('d1', 0, 5)).toEqual([leftOut(0), leftOut(1)]);
      expect(await store.steps('d1', 1, 1)).toEqual([leftOut(1)]);
      expect(await store.steps('d1', 3, 2)).toEqual([leftOut(3)]);
    });

    it('updates a record atomically, and lists queued and building datasets oldest first as unfinished', async () => {
      const store = await make();
      await store.create(record('d1'), [], []);
      await store.create(record('d2', { createdAt: new Date('2026-02-08T00:00:00.000Z') }), [], []);
      await store.create(record('d3', { state: 'ready', createdAt: new Date('2026-02-05T00:00:00.000Z') }), [], []);
      expect(await store.unfinished(10)).toEqual(['d1', 'd2']);
      const result = await store.update('d1', (current) => ({ next: { ...current!, state: 'building', done: 1 }, result: 'moved' }));
      expect(result).toBe('moved');
      expect(await store.get('d1')).toMatchObject({ state: 'building', done: 1 });
      expect(await store.unfinished(10)).toEqual(['d1', 'd2']);
      await store.update('d1', (current) => ({ next: { ...current!, state: 'ready' }, result: undefined }));
      expect(await store.unfinished(10)).toEqual(['d2']);
      expect(await store.update('none', (current) => ({ next: null, result: current }))).toBeNull();
      // Concurrent updates never lose one another.
      await Promise.all(
        Array.from({ length: 20 }, () => store.update('d2', (c) => ({ next: { ...c!, done: c!.done + 1 }, result: undefined }))),
      );
      expect((await store.get('d2'))!.done).toBe(20);
    });
  });
}

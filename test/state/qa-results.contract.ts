import { describe, expect, it } from 'vitest';
import { storeMaker, type StoreFactory } from './store.contract';

/** The QA result cache's behaviour, run unchanged against both stores (from memory-store.test.ts and redis-store.test.ts). */
export function qaResultsContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: QA results`, () => {
    const make = storeMaker(factory);
    const result = { overallQualityScore: 83.25, stages: { stage10_validationTests: { npzIntegrityCheck: true } }, issues: [] as string[] };

    it('saves and reads back a result by ETag, and misses unknown ETags', async () => {
      const store = await make();
      await store.qaResults.save('"9b2cf535f27731c974343645a3985328"', result);
      expect(await store.qaResults.get('"9b2cf535f27731c974343645a3985328"')).toEqual(result);
      expect(await store.qaResults.get('"other"')).toBeNull();
    });

    it('replaces a result saved again under the same ETag', async () => {
      const store = await make();
      await store.qaResults.save('etag-1', result);
      await store.qaResults.save('etag-1', { ...result, overallQualityScore: 10 });
      expect(await store.qaResults.get('etag-1')).toMatchObject({ overallQualityScore: 10 });
    });

    it('keeps ETags with any characters apart', async () => {
      const store = await make();
      const etags = ['"a"', 'a', 'a:b', 'a b', '"abc-2"', 'ü/..\\*', ''];
      for (const [i, etag] of etags.entries()) await store.qaResults.save(etag, { i });
      for (const [i, etag] of etags.entries()) expect(await store.qaResults.get(etag)).toEqual({ i });
    });

    it('hands out copies: changing a result read or saved does not change the stored one', async () => {
      const store = await make();
      const saved = structuredClone(result);
      await store.qaResults.save('e', saved);
      saved.overallQualityScore = 0;
      const read = (await store.qaResults.get('e')) as typeof result;
      read.issues.push('changed');
      expect(await store.qaResults.get('e')).toEqual(result);
    });

    it('forgets results after qaResultSeconds', async () => {
      const store = await make({ qaResultSeconds: 1 });
      await store.qaResults.save('short', result);
      expect(await store.qaResults.get('short')).toEqual(result);
      const deadline = Date.now() + 5_000;
      while ((await store.qaResults.get('short')) !== null) {
        if (Date.now() > deadline) throw new Error('result did not expire');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  });
}

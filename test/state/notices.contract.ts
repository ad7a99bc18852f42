import { describe, expect, it } from 'vitest';
import { storeMaker, type StoreFactory } from './store.contract';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + s * 1000);
const WINDOW = 60_000;

/** Coalescing windows for bursts of notices, run unchanged against both stores (memory-store.test.ts, redis-store.test.ts). */
export function noticesContract(name: string, factory: StoreFactory): void {
  describe(`${name} store: notice windows`, () => {
    const make = storeMaker(factory);

    it('announces the first notice of a key, holds the rest of its window, and hands them over once it ends', async () => {
      const store = await make();
      const offer = (key: string, item: string, s: number) => store.notices.offer('verdicts', key, item, at(s), WINDOW, 3);
      expect(await offer('H1', 'r1', 0)).toBe('announce');
      expect(await offer('H2', 'x1', 1)).toBe('announce');
      expect(await Promise.all(['r2', 'r3', 'r4', 'r5'].map((r, i) => offer('H1', r, 10 + i)))).toEqual(['held', 'held', 'held', 'held']);
      // Another scope has windows of its own.
      expect(await store.notices.offer('alarms', 'H1', 'a1', at(10), WINDOW, 3)).toBe('announce');

      expect(await store.notices.takeDue('verdicts', at(59), 10)).toEqual([]);
      const [taken, ...rest] = await store.notices.takeDue('verdicts', at(60), 10);
      expect(rest).toEqual([]);
      // Counted in full; the newest items kept (in order they came, whichever order they were written in).
      expect(taken!.key).toBe('H1');
      expect(taken!.count).toBe(4);
      expect(taken!.items).toHaveLength(3);
      expect(await store.notices.takeDue('verdicts', at(61), 10)).toEqual([]);

      // The summary opened the next window: a burst that goes on is held again, one summary per window.
      expect(await offer('H1', 'r6', 70)).toBe('held');
      expect(await store.notices.takeDue('verdicts', at(119), 10)).toEqual([]);
      expect(await store.notices.takeDue('verdicts', at(120), 10)).toEqual([{ key: 'H1', count: 1, items: ['r6'] }]);
      // Quiet for a whole window: the next notice is announced on its own.
      expect(await offer('H1', 'r7', 181)).toBe('announce');
      expect(await offer('H2', 'x2', 181)).toBe('announce');
    });

    it('gives a window that ended still holding notices to one taker only, and holds what comes before it is taken', async () => {
      const store = await make();
      await store.notices.offer('verdicts', 'H1', 'r1', at(0), WINDOW, 10);
      await store.notices.offer('verdicts', 'H1', 'r2', at(5), WINDOW, 10);
      // The window ended but nobody took it yet: a late notice joins the summary rather than going out alone.
      expect(await store.notices.offer('verdicts', 'H1', 'r3', at(65), WINDOW, 10)).toBe('held');
      const takes = await Promise.all([1, 2, 3].map(() => store.notices.takeDue('verdicts', at(66), 10)));
      expect(takes.flat()).toEqual([{ key: 'H1', count: 2, items: ['r2', 'r3'] }]);
    });
  });
}

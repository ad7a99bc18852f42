import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/quality/map-limit';

describe('mapLimit', () => {
  it('never runs more than the limit at once, and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapLimit([...Array(20).keys()], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n % 4));
      running--;
      return n * 2;
    });
    expect(peak).toBe(3);
    expect(result).toEqual([...Array(20).keys()].map((n) => n * 2));
  });

  it('handles no items and rejects when a call rejects', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    await expect(mapLimit([1, 2, 3], 2, async (n) => (n === 2 ? Promise.reject(new Error('two')) : n))).rejects.toThrow('two');
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MiB, planParts } from '../../src/uploads/part-size';

describe('part size', () => {
  it('uses 10 MiB parts while 10,000 of them suffice', () => {
    expect(planParts(1)).toEqual({ partSize: 10 * MiB, totalParts: 1 });
    expect(planParts(25 * MiB)).toEqual({ partSize: 10 * MiB, totalParts: 3 });
    expect(planParts(20 * 1024 * MiB)).toEqual({ partSize: 10 * MiB, totalParts: 2048 });
    expect(planParts(10_000 * 10 * MiB)).toEqual({ partSize: 10 * MiB, totalParts: 10_000 });
  });

  it('grows the part to a whole MiB once more than 10,000 parts would be needed', () => {
    expect(planParts(10_000 * 10 * MiB + 1)).toEqual({ partSize: 11 * MiB, totalParts: 9091 });
    const hundredGiB = 100 * 1024 * MiB;
    const plan = planParts(hundredGiB);
    expect(plan.partSize).toBe(11 * MiB);
    expect(plan.totalParts).toBeLessThanOrEqual(MAX_PARTS);
    // Beyond 2^32, where bitwise arithmetic would wrap.
    const fiveTiB = 5 * 1024 * 1024 * MiB;
    const big = planParts(fiveTiB);
    expect(big.partSize % MiB).toBe(0);
    expect(big.totalParts).toBeLessThanOrEqual(MAX_PARTS);
    expect(big.partSize * big.totalParts).toBeGreaterThanOrEqual(fiveTiB);
  });

  it('refuses sizes that are not positive whole numbers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => planParts(bad)).toThrow(RangeError);
  });
});

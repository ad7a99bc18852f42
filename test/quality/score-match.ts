import { expect } from 'vitest';

/** Every number to 1e-6, every boolean and string exactly. */
export function expectScoresMatch(actual: unknown, wanted: unknown, where = 'score'): void {
  if (typeof wanted === 'number') {
    expect(typeof actual, where).toBe('number');
    expect(Math.abs((actual as number) - wanted), `${where}: ${String(actual)} vs ${wanted}`).toBeLessThanOrEqual(1e-6);
  } else if (wanted !== null && typeof wanted === 'object') {
    expect(Object.keys(actual as object).sort(), where).toEqual(Object.keys(wanted).sort());
    for (const [key, value] of Object.entries(wanted))
      expectScoresMatch((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
  } else {
    expect(actual, where).toEqual(wanted);
  }
}

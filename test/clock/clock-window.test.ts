import { describe, expect, it } from 'vitest';
import { ClockWindow, type ClockSample } from '../../src/clock/clock-window';

/** A headset clock with a known offset and drift, reached over a link with random one-way delays. */
function fakeHeadset(offsetMs: number, driftPpm: number, start: number, seed = 1) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const trueOffset = (t: number) => offsetMs + (driftPpm * (t - start)) / 1e6;
  const exchange = (sentAt: number, jitterMs: number): ClockSample => {
    // Asymmetric on purpose: the way up and the way down are delayed independently.
    const up = 0.1 + random() * jitterMs;
    const down = 0.1 + random() * jitterMs;
    const handled = sentAt + up;
    return { sentAt, receivedAt: handled + down, deviceTime: handled + trueOffset(handled) };
  };
  return { trueOffset, exchange };
}

describe('ClockWindow', () => {
  it('knows nothing without an exchange', () => {
    expect(new ClockWindow().estimate(1_000)).toBeNull();
  });

  it('estimates a skewed, drifting clock within its stated uncertainty, and finds the drift', () => {
    const start = 1_700_000_000_000;
    const headset = fakeHeadset(-2_345.6, 40, start);
    const window = new ClockWindow();
    let t = start;
    // A burst of 8 at identify, then one exchange every 30 s for 10 minutes, over a jittery link.
    for (let i = 0; i < 8; i++) window.add(headset.exchange((t += 5), 8));
    for (let k = 0; k < 20; k++) {
      window.add(headset.exchange((t += 30_000), 8));
      const estimate = window.estimate(t)!;
      const error = Math.abs(estimate.offsetMs - headset.trueOffset(t));
      expect(error, `after ${k + 1} periods`).toBeLessThanOrEqual(estimate.uncertaintyMs);
      expect(estimate.uncertaintyMs).toBeLessThan(25);
    }
    const last = window.estimate(t)!;
    expect(last.driftPpm).toBeGreaterThan(30);
    expect(last.driftPpm).toBeLessThan(50);
    expect(last.samples).toBe(28);
    expect(last.measuredAt).toBe(Math.round(t));
  });

  it('assumes no drift while a fit over jittery round trips would be less sure than that', () => {
    // Every round trip 8 ms; the first half answered at its start, the second at its end: fitted, the
    // slope would be about -130 ppm against the true 40, known only to 8 ms over a minute (127 ppm).
    const start = 1_700_000_000_000;
    const trueOffset = (t: number) => 700 + (40 * (t - start)) / 1e6;
    const window = new ClockWindow();
    for (let i = 0; i < 64; i++) {
      const sentAt = start + i * 1_000;
      const handled = i < 32 ? sentAt : sentAt + 8;
      window.add({ sentAt, receivedAt: sentAt + 8, deviceTime: handled + trueOffset(handled) });
    }
    const now = start + 64_000;
    const estimate = window.estimate(now)!;
    expect(estimate.driftPpm).toBe(0);
    expect(Math.abs(estimate.offsetMs - trueOffset(now))).toBeLessThanOrEqual(estimate.uncertaintyMs);
  });

  it('rests on the lowest round trips: one congested exchange does not move the estimate', () => {
    const start = 1_700_000_000_000;
    const headset = fakeHeadset(500, 0, start);
    const window = new ClockWindow();
    for (let i = 0; i < 8; i++) window.add(headset.exchange(start + i * 5, 1));
    const before = window.estimate(start + 100)!;
    // A 900 ms round trip whose answer came at the very start of it (worst case for a midpoint).
    window.add({ sentAt: start + 100, receivedAt: start + 1_000, deviceTime: start + 100 + 500 });
    const after = window.estimate(start + 1_000)!;
    expect(Math.abs(after.offsetMs - 500)).toBeLessThanOrEqual(after.uncertaintyMs);
    expect(Math.abs(after.offsetMs - before.offsetMs)).toBeLessThan(2);
    expect(after.rttMs).toBeLessThan(5);
  });

  it('bounds the offset by every exchange together: delays on different ways pin it', () => {
    const start = 1_700_000_000_000;
    const window = new ClockWindow();
    // Two 10 ms round trips: the first answered as it arrived (all its delay on the way back), the
    // second just before its answer left (all on the way there). Alone, each is off by 5 ms.
    window.add({ sentAt: start, receivedAt: start + 10, deviceTime: start + 250 });
    window.add({ sentAt: start + 20, receivedAt: start + 30, deviceTime: start + 30 + 250 });
    const estimate = window.estimate(start + 30)!;
    expect(Math.abs(estimate.offsetMs - 250)).toBeLessThan(0.01);
    expect(estimate.uncertaintyMs).toBeLessThan(0.01);
    expect(estimate.rttMs).toBe(10);
  });

  it('forgets exchanges older than its window', () => {
    const window = new ClockWindow();
    window.add({ sentAt: 0, receivedAt: 2, deviceTime: 101 });
    expect(window.estimate(10)?.offsetMs).toBe(100);
    expect(window.estimate(31 * 60_000)).toBeNull();
  });

  it('keeps the latest 64 exchanges in order, and drops only the old ones when some age out', () => {
    const window = new ClockWindow();
    // 100 exchanges a second apart; the offset steps from 100 to 500 at the 70th, the round trip stays 2.
    for (let i = 0; i < 100; i++)
      window.add({ sentAt: i * 1_000, receivedAt: i * 1_000 + 2, deviceTime: i * 1_000 + 1 + (i < 70 ? 100 : 500) });
    expect(window.size).toBe(64);
    const now = 99_001;
    const all = window.estimate(now)!;
    expect(all.samples).toBe(64);
    // 30 minutes after the 89th was sent, the ones before it have aged out: only offsets of 500 remain.
    const later = window.estimate(89_000 + 30 * 60_000)!;
    expect(later.samples).toBe(11);
    expect(later.offsetMs).toBeCloseTo(500, 0);
  });
});

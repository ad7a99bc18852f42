import { describe, expect, it } from 'vitest';
import { CLOCK_DEFAULTS, DeviceClock, randomClockProfile, scheduleStart } from '../../scripts/simulate';
import { Random } from '../../scripts/simulate/random';

/** Issue 33, item 4: the simulator's headset clocks: skewed, drifting, behind a jittered link. */
const profile = { offsetMs: 1_500, driftPpm: 40, minJitterMs: 0, maxJitterMs: 0 };

/** A clock on a reference the test moves by hand. */
function manualClock(p = profile) {
  let t = 1_000_000;
  const clock = new DeviceClock(p, { now: () => t, seed: 1 });
  return { clock, advance: (ms: number) => (t += ms), at: () => t };
}

describe('DeviceClock', () => {
  it('is off the reference by its offset, growing with its drift', () => {
    const { clock, advance, at } = manualClock();
    expect(clock.now()).toBe(at() + 1_500);
    advance(100_000);
    // 40 ppm over 100 s: 4 ms more.
    expect(clock.now()).toBeCloseTo(at() + 1_504, 6);
    expect(clock.trueOffset(at())).toBeCloseTo(1_504, 6);
  });

  it('converts its own times back to the reference, and says how long until it reads a time', () => {
    const { clock, advance, at } = manualClock({ ...profile, driftPpm: -30 });
    advance(50_000);
    const device = clock.now();
    expect(clock.referenceTimeOf(device)).toBeCloseTo(at(), 6);
    expect(clock.msUntil(device + 1_000)).toBeCloseTo(1_000 / (1 - 30e-6), 6);
    expect(clock.msUntil(device - 10)).toBeLessThan(0);
  });

  it("delays each way of a round trip by half the profile's jitter, and not at all without", () => {
    const jittery = new DeviceClock({ ...profile, minJitterMs: 2, maxJitterMs: 20 }, { seed: 7 });
    const legs = Array.from({ length: 500 }, () => jittery.legDelayMs());
    expect(Math.min(...legs)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...legs)).toBeLessThanOrEqual(10);
    expect(Math.max(...legs) - Math.min(...legs)).toBeGreaterThan(7);
    expect(manualClock().clock.legDelayMs()).toBe(0);
  });

  it('draws profiles within the options, reproducibly from a seed', () => {
    const profiles = Array.from({ length: 200 }, (_, i) => randomClockProfile(new Random(i)));
    for (const p of profiles) {
      expect(Math.abs(p.offsetMs)).toBeLessThanOrEqual(CLOCK_DEFAULTS.maxOffsetMs);
      expect(Math.abs(p.driftPpm)).toBeLessThanOrEqual(CLOCK_DEFAULTS.maxDriftPpm);
      expect([p.minJitterMs, p.maxJitterMs]).toEqual([2, 20]);
    }
    // Spread over the range, both ways.
    expect(Math.min(...profiles.map((p) => p.offsetMs))).toBeLessThan(-1_500);
    expect(Math.max(...profiles.map((p) => p.offsetMs))).toBeGreaterThan(1_500);
    expect(randomClockProfile(new Random(3))).toEqual(randomClockProfile(new Random(3)));
    const still = randomClockProfile(new Random(3), { maxOffsetMs: 0, maxDriftPpm: 0, minJitterMs: 0, maxJitterMs: 0 });
    expect(Math.abs(still.offsetMs) + Math.abs(still.driftPpm)).toBe(0);
  });
});

describe('scheduleStart', () => {
  const clock = new DeviceClock({ ...profile, offsetMs: -800 }, { seed: 2 });

  it('starts at once without a plan, or with a time already past', () => {
    const started: number[] = [];
    scheduleStart(clock, undefined, (t) => started.push(t));
    scheduleStart(clock, { startAtDeviceTime: clock.now() - 5_000 }, (t) => started.push(t));
    expect(started).toHaveLength(2);
  });

  it('starts when its own clock reaches the planned time, never before', async () => {
    const startAt = clock.now() + 60;
    const started = await new Promise<number>((resolve) => {
      scheduleStart(clock, { startAtDeviceTime: startAt }, resolve);
    });
    expect(started).toBeGreaterThanOrEqual(startAt);
  });

  it('starts headsets planned for one instant each when its own clock reaches its time', async () => {
    const other = new DeviceClock({ ...profile, offsetMs: 1_200, driftPpm: -45 }, { seed: 3 });
    const plans = [clock, other, clock].map((c, i) => ({ c, startAt: c.now() + 40 + i }));
    const started = await Promise.all(
      plans.map(({ c, startAt }) => new Promise<number>((resolve) => scheduleStart(c, { startAtDeviceTime: startAt }, resolve))),
    );
    for (const [i, { startAt }] of plans.entries()) expect(started[i]).toBeGreaterThanOrEqual(startAt);
  });

  it('forgets a start cancelled before its time', async () => {
    const started: number[] = [];
    const pending = scheduleStart(clock, { startAtDeviceTime: clock.now() + 30 }, (t) => started.push(t));
    expect(started).toEqual([]);
    pending.cancel();
    await new Promise((r) => setTimeout(r, 80));
    expect(started).toEqual([]);
  });
});

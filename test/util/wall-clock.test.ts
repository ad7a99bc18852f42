import { describe, expect, it, vi } from 'vitest';
import { WallClock, type ClockSources } from '../../src/util/wall-clock';
import { Random } from '../../scripts/simulate/random';

/**
 * The server's sub-millisecond wall clock (the reference every headset clock is
 * measured against, docs/CLOCK.md), calibrated on a simulated machine: each
 * reading takes two microseconds, and while the machine is busy the thread is
 * descheduled before every reading (each then sees another millisecond).
 */
function machine(correction: number) {
  const random = new Random(5);
  const state = { t: 0.123, correction, busy: false };
  const step = () => (state.t += 0.002 + (state.busy ? random.between(1.05, 1.6) : 0));
  const sources: ClockSources = { monotonic: () => step(), wall: () => Math.floor(step() + state.correction) };
  return {
    sources,
    state,
    /** How far a reading of the clock is from the true wall time (now() reads the monotonic clock last). */
    errorOf: (clock: WallClock) => clock.now() - (state.t + state.correction),
    wait: (ms: number) => (state.t += ms),
  };
}

const EPOCH = 1_780_000_000_000.371;

describe('WallClock', () => {
  it('knows the wall clock to a few microseconds on a quiet machine', () => {
    const m = machine(EPOCH);
    expect(Math.abs(m.errorOf(new WallClock(m.sources)))).toBeLessThan(0.01);
  });

  it('is within half a millisecond when calibrated on a busy machine, and calibrates again within a second', () => {
    const m = machine(EPOCH);
    m.state.busy = true;
    const clock = new WallClock(m.sources);
    expect(Math.abs(m.errorOf(clock))).toBeLessThanOrEqual(0.5);
    m.state.busy = false;
    m.wait(1_200);
    expect(Math.abs(m.errorOf(clock))).toBeLessThan(0.01);
  });

  it('keeps what earlier calibrations knew when a later one is loose, and follows a step of the wall clock', () => {
    const m = machine(EPOCH);
    const clock = new WallClock(m.sources);
    expect(Math.abs(m.errorOf(clock))).toBeLessThan(0.01);
    // A minute later the machine is busy: that calibration alone would be off by up to half a millisecond.
    m.wait(61_000);
    m.state.busy = true;
    for (let i = 0; i < 5; i++, m.wait(1_000)) expect(Math.abs(m.errorOf(clock))).toBeLessThan(0.01);
    // The wall clock is stepped (NTP): the next calibration disagrees with the earlier ones and starts afresh.
    m.state.busy = false;
    m.state.correction += 250;
    m.wait(61_000);
    expect(Math.abs(m.errorOf(clock))).toBeLessThan(0.01);
  });

  it('is calibrated once for the process: a second clock reads the first one’s time without calibrating', () => {
    const first = new WallClock();
    first.now();
    const dateNow = vi.spyOn(Date, 'now');
    try {
      const second = new WallClock();
      const [a, b, c] = [first.now(), second.now(), first.now()];
      expect(dateNow).not.toHaveBeenCalled();
      expect(a).toBeLessThanOrEqual(b);
      expect(b).toBeLessThanOrEqual(c);
    } finally {
      dateNow.mockRestore();
    }
  });
});

/** How long a calibration is trusted before it is made again, so a stepped or slewed wall clock is followed. */
const RECALIBRATE_MS = 60_000;
/** A calibration that pinned the correction less tightly than this (a busy machine) is made again this soon. */
const LOOSE_MS = 0.05;
const RETRY_MS = 1_000;
/** A calibration reads the two clocks for at most this long… */
const CALIBRATION_LIMIT_MS = 10;
/** …or until it knows the correction to this (a tick of Date.now() read between two close performance.now() readings). */
const PRECISION_MS = 0.01;

/** Where the two clocks can be read: performance.now() and Date.now() (tests give their own). */
export interface ClockSources {
  monotonic: () => number;
  wall: () => number;
}

const SYSTEM: ClockSources = { monotonic: () => performance.now(), wall: () => Date.now() };

/** A calibration: the correction (wall = monotonic + correction), the interval it is known to lie in, and when it was made. */
interface Calibration {
  correction: number;
  known: { low: number; high: number };
  calibratedAt: number;
}

const uncalibrated = (): Calibration => ({
  correction: 0,
  known: { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY },
  calibratedAt: Number.NEGATIVE_INFINITY,
});

/** The process has one Date.now() and one performance.now(): every WallClock on them shares one calibration. */
const processCalibration = uncalibrated();

/**
 * The wall clock (epoch ms, as Date.now()) with a fraction of a millisecond:
 * Date.now() floors to whole milliseconds, which alone is as large as a round
 * trip on a lab network. performance.now() is sub-millisecond but counts from
 * process start. The correction between them (wall = monotonic + correction)
 * is calibrated for a few milliseconds once a minute, once for the process:
 * the server's clock and a simulated headset's reference in the same process
 * (bench:clock, the tests) read the same time.
 */
export class WallClock {
  private readonly state: Calibration;

  constructor(private readonly sources: ClockSources = SYSTEM) {
    this.state = sources === SYSTEM ? processCalibration : uncalibrated();
  }

  now(): number {
    const mono = this.sources.monotonic();
    if (mono - this.state.calibratedAt > RECALIBRATE_MS) this.calibrate();
    return this.sources.monotonic() + this.state.correction;
  }

  /**
   * Each reading of Date.now() between two readings of performance.now(), `before` and `after`, says
   * that the wall clock showed `wall` at some moment between them: the correction is at least
   * `wall - after` and less than `wall + 1 - before`. The bounds of all readings are intersected: a
   * reading the thread was descheduled in only bounds it loosely, never wrongly, and a tick of
   * Date.now() seen between two close readings pins it. A busy machine's calibration is therefore
   * less tight, not wrong; and as both clocks run at the rate NTP gives them, a calibration agreeing
   * with the ones before it narrows what they knew, while one that does not (the wall clock was
   * stepped) starts afresh. One that leaves the correction loose is made again within a second.
   */
  private calibrate(): void {
    const { monotonic, wall } = this.sources;
    const started = monotonic();
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    let before = started;
    do {
      const shown = wall();
      const after = monotonic();
      low = Math.max(low, shown - after);
      high = Math.min(high, shown + 1 - before);
      before = after;
    } while (high - low > PRECISION_MS && before - started < CALIBRATION_LIMIT_MS);
    const state = this.state;
    const agreed = { low: Math.max(low, state.known.low), high: Math.min(high, state.known.high) };
    state.known = agreed.low <= agreed.high ? agreed : { low, high };
    state.correction = (state.known.low + state.known.high) / 2;
    const loose = state.known.high - state.known.low > LOOSE_MS;
    state.calibratedAt = monotonic() - (loose ? RECALIBRATE_MS - RETRY_MS : 0);
  }
}

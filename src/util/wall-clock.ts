/** How long a calibration is trusted before it is made again, so a stepped or slewed wall clock is followed. */
const RECALIBRATE_MS = 60_000;
/** A calibration watches this many ticks of Date.now() (one a millisecond), for at most this long. */
const CALIBRATION_TICKS = 4;
const CALIBRATION_LIMIT_MS = 10;
/** A tick read between two performance.now() readings this close together was seen as it happened. */
const GOOD_WIDTH_MS = 0.05;

/**
 * The wall clock (epoch ms, as Date.now()) with a fraction of a millisecond:
 * Date.now() floors to whole milliseconds, which alone is as large as a round
 * trip on a lab network. performance.now() is sub-millisecond but counts from
 * process start. The correction between them is read at the instant
 * Date.now() ticks to its next millisecond (a wait of a millisecond or a few,
 * once a minute), when the whole millisecond it shows is exact.
 */
export class WallClock {
  private correction = 0;
  private calibratedAt = Number.NEGATIVE_INFINITY;

  now(): number {
    const perf = performance.now();
    if (perf - this.calibratedAt > RECALIBRATE_MS) this.calibrate();
    return performance.now() + this.correction;
  }

  /**
   * Watches Date.now() tick for a few milliseconds. At a tick seen as it happens (the value moved by
   * exactly one, between two performance.now() readings close together) the true correction is
   * where the tick was read; a tick seen late (the thread was descheduled) reads low, so the
   * largest of the good readings is kept. Without any (a very busy machine), the middle of the
   * millisecond Date.now() shows.
   */
  private calibrate(): void {
    const started = performance.now();
    let before = started;
    let last = Date.now();
    let best = Number.NEGATIVE_INFINITY;
    let ticks = 0;
    while (ticks < CALIBRATION_TICKS && performance.now() - started < CALIBRATION_LIMIT_MS) {
      const wall = Date.now();
      const after = performance.now();
      if (wall !== last) {
        if (wall - last === 1 && after - before < GOOD_WIDTH_MS) best = Math.max(best, wall - (before + after) / 2);
        last = wall;
        ticks++;
      }
      before = after;
    }
    this.correction = best > Number.NEGATIVE_INFINITY ? best : Date.now() + 0.5 - performance.now();
    this.calibratedAt = performance.now();
  }
}

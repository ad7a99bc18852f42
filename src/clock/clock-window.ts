import type { ClockEstimate } from '../domain/clock';

/** One exchange: the server's send and receive times (wall ms) and the device's clock when it answered. */
export interface ClockSample {
  sentAt: number;
  receivedAt: number;
  deviceTime: number;
}

/** Exchanges a window keeps at most, and for how long. */
const MAX_SAMPLES = 64;
const MAX_AGE_MS = 30 * 60_000;
/** Drift is fitted once the good samples span this long; before, the clock is taken as steady. */
const DRIFT_MIN_SPAN_MS = 60_000;
/** Before a drift is fitted, a clock is assumed to drift at most this much (a headset's crystal: tens of ppm). */
const UNFITTED_DRIFT_PER_MS = 100e-6;
/** Samples are grouped in slices this long; each slice contributes its lowest-round-trip sample to the drift fit. */
const SLICE_MS = 10_000;

/** Each sample is three numbers in the window's array: sent, received, device time. */
const WIDTH = 3;
const FIRST_CAPACITY = 8;

/**
 * One headset's clock, from the exchanges of a sliding window. An exchange
 * bounds the device's offset to its midpoint estimate ± half its round trip
 * (the device answered somewhere between send and receive), so the window
 * keeps the lowest-round-trip samples as what it knows: the drift is fitted
 * to the best sample of each slice of time, and the estimate is the middle of
 * what every sample's bounds, carried to now along the drift, leave open
 * (within the tightest sample's bound).
 *
 * Samples live in one Float64Array, grown by doubling up to MAX_SAMPLES: a
 * window is kept per connected headset, and as objects of three boxed numbers
 * a full window was about 5 KB of each headset's memory (issue 38).
 */
export class ClockWindow {
  private data = new Float64Array(FIRST_CAPACITY * WIDTH);
  private count = 0;

  add(sample: ClockSample): void {
    if (!(sample.receivedAt >= sample.sentAt) || !Number.isFinite(sample.deviceTime)) return;
    if (this.count === MAX_SAMPLES) {
      this.data.copyWithin(0, WIDTH, this.count * WIDTH);
      this.count--;
    } else if ((this.count + 1) * WIDTH > this.data.length) {
      const grown = new Float64Array(Math.min(MAX_SAMPLES, (this.data.length / WIDTH) * 2) * WIDTH);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set([sample.sentAt, sample.receivedAt, sample.deviceTime], this.count * WIDTH);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  estimate(now: number): ClockEstimate | null {
    this.forgetOlderThan(now - MAX_AGE_MS);
    if (this.count === 0) return null;
    const drift = this.fitDrift(this.sliceBests());
    let anchor = 0;
    let bound = Number.POSITIVE_INFINITY;
    // Each exchange also bounds the offset on its own side: the device read its clock after the send and
    // before the receive. Carried to now along the drift, their intersection is at least as tight as the
    // best exchange's (whose interval it is inside), tighter when delays fell on different ways.
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) {
      const age = Math.abs(now - this.mid(i));
      const b = this.rtt(i) / 2 + drift.errorPerMs * age;
      if (b < bound) [anchor, bound] = [i, b];
      const carried = drift.perMs * (now - this.mid(i));
      const widened = drift.errorPerMs * (age + this.rtt(i) / 2);
      const deviceTime = this.data[i * WIDTH + 2]!;
      low = Math.max(low, deviceTime - this.data[i * WIDTH + 1]! + carried - widened);
      high = Math.min(high, deviceTime - this.data[i * WIDTH]! + carried + widened);
    }
    // An empty intersection (a stepped device clock, a drift beyond the assumed) leaves the best exchange alone.
    const together = low <= high && (high - low) / 2 < bound;
    return {
      offsetMs: round3(together ? (low + high) / 2 : this.offset(anchor) + drift.perMs * (now - this.mid(anchor))),
      rttMs: round3(this.rtt(anchor)),
      uncertaintyMs: round3(together ? (high - low) / 2 : bound),
      driftPpm: round3(drift.perMs * 1e6),
      measuredAt: Math.round(now),
      samples: this.count,
    };
  }

  private rtt(i: number): number {
    return this.data[i * WIDTH + 1]! - this.data[i * WIDTH]!;
  }

  private mid(i: number): number {
    return (this.data[i * WIDTH]! + this.data[i * WIDTH + 1]!) / 2;
  }

  private offset(i: number): number {
    return this.data[i * WIDTH + 2]! - this.mid(i);
  }

  /** Drops the samples received before `oldest`, keeping the order of the rest. */
  private forgetOlderThan(oldest: number): void {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.data[i * WIDTH + 1]! < oldest) continue;
      if (kept !== i) this.data.copyWithin(kept * WIDTH, i * WIDTH, (i + 1) * WIDTH);
      kept++;
    }
    this.count = kept;
  }

  /** The lowest-round-trip sample of each slice, oldest first; slices congested past twice the best round trip are left out. */
  private sliceBests(): number[] {
    const bySlice = new Map<number, number>();
    for (let i = 0; i < this.count; i++) {
      const slice = Math.floor(this.mid(i) / SLICE_MS);
      const kept = bySlice.get(slice);
      if (kept === undefined || this.rtt(i) < this.rtt(kept)) bySlice.set(slice, i);
    }
    const bests = [...bySlice.values()].sort((a, b) => this.mid(a) - this.mid(b));
    const floor = Math.min(...bests.map((i) => this.rtt(i)));
    return bests.filter((i) => this.rtt(i) <= 2 * floor + 2);
  }

  /**
   * The least-squares slope of the slices' best offsets over time (ms per ms), and how wrong it may
   * be: each point is known to ± half its round trip, so the slope to about the largest of those
   * over the span. While the points span too little to tell a drift from noise, or the fit would be
   * known less well than that, no drift, known to UNFITTED_DRIFT_PER_MS.
   */
  private fitDrift(points: readonly number[]): { perMs: number; errorPerMs: number } {
    const span = points.length > 0 ? this.mid(points.at(-1)!) - this.mid(points[0]!) : 0;
    if (points.length < 3 || span < DRIFT_MIN_SPAN_MS) return { perMs: 0, errorPerMs: UNFITTED_DRIFT_PER_MS };
    const xs = points.map((i) => this.mid(i));
    const ys = points.map((i) => this.offset(i));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < xs.length; i++) {
      num += (xs[i]! - mx) * (ys[i]! - my);
      den += (xs[i]! - mx) ** 2;
    }
    const errorPerMs = Math.max(...points.map((i) => this.rtt(i))) / span;
    // A fit less sure than the drift assumed without one (jittery round trips over a short span) would only add its noise.
    if (den === 0 || errorPerMs >= UNFITTED_DRIFT_PER_MS) return { perMs: 0, errorPerMs: UNFITTED_DRIFT_PER_MS };
    return { perMs: num / den, errorPerMs };
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

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

const rttOf = (s: ClockSample) => s.receivedAt - s.sentAt;
const midOf = (s: ClockSample) => (s.sentAt + s.receivedAt) / 2;
const offsetOf = (s: ClockSample) => s.deviceTime - midOf(s);

/**
 * One headset's clock, from the exchanges of a sliding window. An exchange
 * bounds the device's offset to its midpoint estimate ± half its round trip
 * (the device answered somewhere between send and receive), so the window
 * keeps the lowest-round-trip samples as what it knows: the drift is fitted
 * to the best sample of each slice of time, and the estimate is the middle of
 * what every sample's bounds, carried to now along the drift, leave open
 * (within the tightest sample's bound).
 */
export class ClockWindow {
  private samples: ClockSample[] = [];

  add(sample: ClockSample): void {
    if (!(sample.receivedAt >= sample.sentAt) || !Number.isFinite(sample.deviceTime)) return;
    this.samples.push(sample);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  get size(): number {
    return this.samples.length;
  }

  estimate(now: number): ClockEstimate | null {
    this.samples = this.samples.filter((s) => now - s.receivedAt <= MAX_AGE_MS);
    if (this.samples.length === 0) return null;
    const drift = fitDrift(this.sliceBests());
    let anchor = this.samples[0]!;
    let bound = Number.POSITIVE_INFINITY;
    // Each exchange also bounds the offset on its own side: the device read its clock after the send and
    // before the receive. Carried to now along the drift, their intersection is at least as tight as the
    // best exchange's (whose interval it is inside), tighter when delays fell on different ways.
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const s of this.samples) {
      const age = Math.abs(now - midOf(s));
      const b = rttOf(s) / 2 + drift.errorPerMs * age;
      if (b < bound) [anchor, bound] = [s, b];
      const carried = drift.perMs * (now - midOf(s));
      const widened = drift.errorPerMs * (age + rttOf(s) / 2);
      low = Math.max(low, s.deviceTime - s.receivedAt + carried - widened);
      high = Math.min(high, s.deviceTime - s.sentAt + carried + widened);
    }
    // An empty intersection (a stepped device clock, a drift beyond the assumed) leaves the best exchange alone.
    const together = low <= high && (high - low) / 2 < bound;
    return {
      offsetMs: round3(together ? (low + high) / 2 : offsetOf(anchor) + drift.perMs * (now - midOf(anchor))),
      rttMs: round3(rttOf(anchor)),
      uncertaintyMs: round3(together ? (high - low) / 2 : bound),
      driftPpm: round3(drift.perMs * 1e6),
      measuredAt: Math.round(now),
      samples: this.samples.length,
    };
  }

  /** The lowest-round-trip sample of each slice, oldest first; slices congested past twice the best round trip are left out. */
  private sliceBests(): ClockSample[] {
    const bySlice = new Map<number, ClockSample>();
    for (const s of this.samples) {
      const slice = Math.floor(midOf(s) / SLICE_MS);
      const kept = bySlice.get(slice);
      if (!kept || rttOf(s) < rttOf(kept)) bySlice.set(slice, s);
    }
    const bests = [...bySlice.values()].sort((a, b) => midOf(a) - midOf(b));
    const floor = Math.min(...bests.map(rttOf));
    return bests.filter((s) => rttOf(s) <= 2 * floor + 2);
  }
}

/**
 * The least-squares slope of the slices' best offsets over time (ms per ms), and how wrong it may
 * be: each point is known to ± half its round trip, so the slope to about the largest of those
 * over the span. While the points span too little to tell a drift from noise, or the fit would be
 * known less well than that, no drift, known to UNFITTED_DRIFT_PER_MS.
 */
function fitDrift(points: readonly ClockSample[]): { perMs: number; errorPerMs: number } {
  const span = points.length > 0 ? midOf(points.at(-1)!) - midOf(points[0]!) : 0;
  if (points.length < 3 || span < DRIFT_MIN_SPAN_MS) return { perMs: 0, errorPerMs: UNFITTED_DRIFT_PER_MS };
  const xs = points.map(midOf);
  const ys = points.map(offsetOf);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const errorPerMs = Math.max(...points.map(rttOf)) / span;
  // A fit less sure than the drift assumed without one (jittery round trips over a short span) would only add its noise.
  if (den === 0 || errorPerMs >= UNFITTED_DRIFT_PER_MS) return { perMs: 0, errorPerMs: UNFITTED_DRIFT_PER_MS };
  return { perMs: num / den, errorPerMs };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

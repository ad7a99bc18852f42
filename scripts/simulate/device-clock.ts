import { WallClock } from '../../src/util/wall-clock';
import { Random } from './random';

/**
 * How far simulated headset clocks are off, and how slow their link is. The
 * defaults look like a lab: clocks set by hand or by a headset that slept
 * (seconds off), crystals drifting by tens of ppm, and Wi-Fi adding a few
 * milliseconds to each round trip, more at times.
 */
export interface ClockOptions {
  /** Each headset's clock is off the simulator's by a random offset up to this, either way (ms). */
  maxOffsetMs: number;
  /** …and runs fast or slow by up to this, either way (parts per million). */
  maxDriftPpm: number;
  /**
   * Latency added to each round trip of a clock measurement: each way a random delay between half of `minJitterMs` and half of `maxJitterMs`,
   * so a round trip gains between the two. 0 and 0: the link as it is.
   */
  minJitterMs: number;
  maxJitterMs: number;
}

export const CLOCK_DEFAULTS: ClockOptions = { maxOffsetMs: 2_000, maxDriftPpm: 50, minJitterMs: 2, maxJitterMs: 20 };

/** One headset's clock and link: its offset (device minus simulator, ms, when it was made), drift and jitter. */
export interface ClockProfile {
  offsetMs: number;
  driftPpm: number;
  minJitterMs: number;
  maxJitterMs: number;
}

/** A profile drawn from the options (offset and drift uniform in their ranges). */
export function randomClockProfile(random: Random, options: ClockOptions = CLOCK_DEFAULTS): ClockProfile {
  return {
    offsetMs: random.between(-options.maxOffsetMs, options.maxOffsetMs),
    driftPpm: random.between(-options.maxDriftPpm, options.maxDriftPpm),
    minJitterMs: options.minJitterMs,
    maxJitterMs: options.maxJitterMs,
  };
}

/** The simulator's own time (epoch ms with a fraction), the reference every simulated clock is off from. */
const reference = new WallClock();
export const referenceNow = (): number => reference.now();

/**
 * A simulated headset's clock: the reference plus an offset that grows with
 * the drift, so its true offset at any moment is known (what bench:clock
 * compares the server's estimate with). Also the headset's link: the delay a
 * message takes each way.
 */
export class DeviceClock {
  private readonly origin: number;
  private readonly random: Random;
  private readonly base: () => number;

  constructor(
    readonly profile: ClockProfile,
    options: { seed?: number; now?: () => number } = {},
  ) {
    this.random = new Random(options.seed);
    this.base = options.now ?? referenceNow;
    this.origin = this.base();
  }

  /** The headset's clock now (epoch ms, fractional). */
  now(): number {
    const t = this.base();
    return t + this.trueOffset(t);
  }

  /** The true offset (device minus reference, ms) at a reference time. */
  trueOffset(referenceMs: number): number {
    return this.profile.offsetMs + (this.profile.driftPpm * (referenceMs - this.origin)) / 1e6;
  }

  /** A time of this clock in the reference's time. */
  referenceTimeOf(deviceMs: number): number {
    const rate = 1 + this.profile.driftPpm / 1e6;
    return (deviceMs - this.profile.offsetMs + (this.profile.driftPpm * this.origin) / 1e6) / rate;
  }

  /** Real milliseconds until this clock reads `deviceMs` (negative once past). */
  msUntil(deviceMs: number): number {
    return this.referenceTimeOf(deviceMs) - this.base();
  }

  /** The latency of one way of a message. */
  legDelayMs(): number {
    const { minJitterMs, maxJitterMs } = this.profile;
    return maxJitterMs <= 0 ? 0 : this.random.between(minJitterMs / 2, maxJitterMs / 2);
  }
}

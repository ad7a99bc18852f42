import { z } from 'zod';

/**
 * A headset's clock as the server measured it (src/clock/): how far the
 * headset's clock is from the server's, how sure that is, and how fast it
 * drifts. Server time is the lab's time base: a device time is always stored
 * beside its conversion and the estimate used, never instead of it.
 */
export const clockEstimateSchema = z.object({
  /** Device minus server, in ms, at measuredAt: device time = server time + offsetMs. */
  offsetMs: z.number(),
  /** The round trip of the exchange the estimate rests on. */
  rttMs: z.number().nonnegative(),
  /** The true offset is within offsetMs ± uncertaintyMs (half the best round trip, plus drift since). */
  uncertaintyMs: z.number().nonnegative(),
  /** How fast the device clock runs against the server's, in parts per million (0 until measured over a minute). */
  driftPpm: z.number(),
  /** Server epoch ms of the estimate. */
  measuredAt: z.number().int().nonnegative(),
  /** Exchanges in the window the estimate was made from. */
  samples: z.number().int().nonnegative(),
});
export type ClockEstimate = z.infer<typeof clockEstimateSchema>;

/** The device's offset at server time `serverMs`, following its drift. */
export const offsetAt = (clock: ClockEstimate, serverMs: number): number =>
  clock.offsetMs + (clock.driftPpm * (serverMs - clock.measuredAt)) / 1e6;

/** A server time in the device's clock, by the estimate. */
export const toDeviceTime = (clock: ClockEstimate, serverMs: number): number => Math.round(serverMs + offsetAt(clock, serverMs));

/** A device time in server time, by the estimate. */
export const toServerTime = (clock: ClockEstimate, deviceMs: number): number => Math.round(deviceMs - offsetAt(clock, deviceMs));

/**
 * When a headset started recording, in server time, beside what it was asked: the
 * planned start of a synchronized start (startAt), the start it reported in its own
 * clock (startedAtDeviceTime), its conversion (startedAt), the error against the
 * plan, and the clock estimate used.
 */
export const recordingStartSchema = z.object({
  /** The command that started it, and the start-all or session request it was part of. */
  commandId: z.string().optional(),
  batchId: z.string().optional(),
  startAt: z.number().int().optional(),
  startedAt: z.number().int(),
  startedAtDeviceTime: z.number().optional(),
  startErrorMs: z.number().optional(),
  clock: clockEstimateSchema.optional(),
});
export type RecordingStart = z.infer<typeof recordingStartSchema>;

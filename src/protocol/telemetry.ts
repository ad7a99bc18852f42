import { z } from 'zod';
import { deviceIdSchema } from '../domain/ids';

/** A telemetry message arriving as a JSON string is parsed only up to this size. */
const MAX_TELEMETRY_JSON_BYTES = 16 * 1024;

const text = z.string().max(256);
const nonNegative = z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const temperature = z.number().finite().min(-50).max(150);

/**
 * The spec's DeviceTelemetry, every field typed and ranged. Unknown keys
 * (including `__proto__` and `constructor`) are refused, not stripped, so a
 * misbehaving build is noticed instead of silently half-accepted.
 */
export const telemetrySchema = z.strictObject({
  deviceId: deviceIdSchema,
  deviceName: text.optional(),
  customName: text.optional(),
  timestamp: z.number().int().positive().max(8_640_000_000_000_000),
  batteryLevel: z.number().min(0).max(1).optional(),
  batteryState: z.number().int().min(0).max(4).optional(),
  storageUsedBytes: nonNegative.optional(),
  storageTotalBytes: nonNegative.optional(),
  wifiSignalLevel: z.number().min(-100).max(0).optional(),
  wifiSSID: text.optional(),
  appVersion: text.optional(),
  osVersion: text.optional(),
  sdkVersion: text.optional(),
  leftHandTracked: z.boolean().optional(),
  rightHandTracked: z.boolean().optional(),
  bodyTracked: z.boolean().optional(),
  trackingConfidence: z.number().min(0).max(1).optional(),
  isRecording: z.boolean().optional(),
  sessionDuration: nonNegative.optional(),
  productiveTime: nonNegative.optional(),
  frameCount: count.optional(),
  droppedFrames: count.optional(),
  cpuTemperature: temperature.optional(),
  gpuTemperature: temperature.optional(),
  memoryUsedMB: nonNegative.optional(),
  memoryTotalMB: nonNegative.optional(),
});
/** The spec's DeviceTelemetry. Fields a headset does not know may be omitted. */
export type DeviceTelemetry = z.infer<typeof telemetrySchema>;

/** Accepts an object or a JSON string (as older headset builds send). */
export const telemetryPayloadSchema = z.union([
  telemetrySchema,
  z
    .string()
    .max(MAX_TELEMETRY_JSON_BYTES, { message: `telemetry JSON over ${MAX_TELEMETRY_JSON_BYTES} bytes` })
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'telemetry string is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(telemetrySchema),
]);

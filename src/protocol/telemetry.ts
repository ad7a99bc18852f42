import { z } from 'zod';
import { deviceIdSchema } from '../domain/ids';

/** A telemetry message arriving as a JSON string is parsed only up to this size. */
const MAX_TELEMETRY_JSON_BYTES = 16 * 1024;

const text = z.string().max(256);
const nonNegative = z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const temperature = z.number().finite().min(-50).max(150);

/**
 * The spec's timestamps are milliseconds since the epoch (13 digits). A value
 * below 10^12 (September 2001 in ms, but year 33658 in seconds) is a seconds
 * timestamp from a misconfigured build, refused with a message that says so.
 */
const MIN_MS_TIMESTAMP = 1e12;

const telemetryShape = {
  deviceId: deviceIdSchema,
  deviceName: text.optional(),
  customName: text.optional(),
  timestamp: z
    .number()
    .int()
    .min(MIN_MS_TIMESTAMP, { message: 'timestamp must be milliseconds since the epoch (13 digits); this looks like seconds' })
    .max(8_640_000_000_000_000),
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
};

/** The spec's DeviceTelemetry as stored and sent to dashboards: known fields only. */
export const telemetrySchema = z.strictObject(telemetryShape);
/** The spec's DeviceTelemetry. Fields a headset does not know may be omitted. */
export type DeviceTelemetry = z.infer<typeof telemetrySchema>;

/** Unknown fields dropped from one message beyond this many refuse it: that is not a newer app, it is garbage. */
export const MAX_UNKNOWN_TELEMETRY_KEYS = 32;
/** An unknown key is dropped only if it looks like a field name; it may reach a log line. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A telemetry message as the handler receives it: the known fields, and the names of the unknown ones it dropped. */
export interface ReceivedTelemetry {
  telemetry: DeviceTelemetry;
  unknownKeys: string[];
}

/** Where the names of dropped keys ride through validation; not a field name, so no client can send it. */
const DROPPED = '#dropped';

/**
 * Keeps the known fields of a raw telemetry object and lists the unknown ones.
 * Runs on the client's own object, before zod copies it, so a `__proto__` key
 * (JSON.parse makes it an own property) is seen and refused, never merged.
 */
function splitKnownFields(raw: unknown, ctx: z.RefinementCtx): unknown {
  let value = raw;
  if (typeof value === 'string') {
    // Characters first (cheap), then bytes: the limit is in bytes, and UTF-8 text can be up to 4 per character.
    if (value.length > MAX_TELEMETRY_JSON_BYTES || Buffer.byteLength(value) > MAX_TELEMETRY_JSON_BYTES) {
      ctx.addIssue({ code: 'custom', message: `telemetry JSON over ${MAX_TELEMETRY_JSON_BYTES} bytes` });
      return z.NEVER;
    }
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'telemetry string is not valid JSON' });
      return z.NEVER;
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const known: Record<string, unknown> = {};
  const unknownKeys: string[] = [];
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(telemetryShape, key)) known[key] = (value as Record<string, unknown>)[key];
    else if (FORBIDDEN_KEYS.has(key) || !FIELD_NAME.test(key)) {
      ctx.addIssue({ code: 'custom', message: `Unrecognized key${FIELD_NAME.test(key) ? ` "${key}"` : ' (not a field name)'}` });
      return z.NEVER;
    } else unknownKeys.push(key);
  }
  if (unknownKeys.length > MAX_UNKNOWN_TELEMETRY_KEYS) {
    ctx.addIssue({ code: 'custom', message: `more than ${MAX_UNKNOWN_TELEMETRY_KEYS} unknown fields` });
    return z.NEVER;
  }
  known[DROPPED] = unknownKeys;
  return known;
}

/**
 * Incoming telemetry, an object or a JSON string (as older headset builds
 * send). A newer headset app that adds a field must not blind the dashboards
 * to that headset, so unknown fields are dropped and their names handed to the
 * handler (which counts and logs them) rather than refusing the message. Known
 * fields are still typed and ranged; keys that could pollute prototypes, that
 * are not field names, or that come in bulk still refuse it.
 */
export const telemetryPayloadSchema = z
  .unknown()
  .transform(splitKnownFields)
  .pipe(telemetrySchema.extend({ [DROPPED]: z.array(z.string()) }))
  .transform(({ [DROPPED]: unknownKeys, ...telemetry }): ReceivedTelemetry => ({ telemetry, unknownKeys })) as unknown as z.ZodType<
  ReceivedTelemetry,
  DeviceTelemetry | string
>;

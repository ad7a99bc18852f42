import { z } from 'zod';
import { DEVICE_ID_RULE, deviceIdSchema, isDeviceId } from '../domain/ids';
import {
  MAX_JSON_DEPTH,
  MAX_LOCK_BATCH,
  MAX_SESSION_DEVICES,
  MAX_SESSION_METADATA_BYTES,
  MAX_STATUS_BYTES,
  MAX_SYNC_METADATA_BYTES,
} from './limits';
import { jsonDepthWithin } from './json-depth';

/** Schemas of client payloads that are more than an ID. */

/** The spec sends a bare ID; some builds send { deviceId }. */
export const identifyPayloadSchema = z.union([deviceIdSchema, z.strictObject({ deviceId: deviceIdSchema }).transform((p) => p.deviceId)]);

/**
 * Text of at most `max` UTF-8 bytes, as the spec's limits are stated. Characters
 * are checked first (cheap, and a string with more characters than `max`
 * cannot fit), then bytes: non-ASCII text takes up to 4 bytes per character.
 */
export const textOfAtMostBytes = (max: number, what: string) => {
  const message = `${what} over ${max} bytes`;
  return z
    .string()
    .max(max, { message })
    .refine((text) => Buffer.byteLength(text, 'utf8') <= max, { message });
};

export const headsetStatusSchema = textOfAtMostBytes(MAX_STATUS_BYTES, 'status');

export const INVALID_DEVICE_ID = `invalid device ID: expected ${DEVICE_ID_RULE}`;

/**
 * A device ID the lock events answer for one by one: a malformed one becomes
 * null (refused with its own reason, while the rest of a batch still locks)
 * instead of failing the whole event.
 */
export const lockTargetSchema = z.unknown().transform((raw): string | null => (isDeviceId(raw) ? raw : null)) as unknown as z.ZodType<
  string | null,
  string
>;

export const lockBatchSchema = z
  .array(lockTargetSchema)
  .max(MAX_LOCK_BATCH, { message: `at most ${MAX_LOCK_BATCH} device IDs per request` });

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** True when no object inside has a key that could pollute prototypes when merged. */
function hasOnlySafeKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(hasOnlySafeKeys);
  if (value && typeof value === 'object') {
    return Object.keys(value).every((k) => !FORBIDDEN_KEYS.has(k) && hasOnlySafeKeys((value as Record<string, unknown>)[k]));
  }
  return true;
}

/**
 * Free-form metadata: depth is checked first and stops the checks after it, because the
 * recursive ones (key check, JSON.stringify for the size) overflow the stack on a few
 * thousand levels, which answered "internal error".
 */
export const sessionMetadataSchema = z
  .record(z.string(), z.unknown())
  .refine((m) => jsonDepthWithin(m, MAX_JSON_DEPTH), {
    message: `too deeply nested (more than ${MAX_JSON_DEPTH} levels)`,
    abort: true,
  })
  .refine(hasOnlySafeKeys, { message: 'metadata may not use __proto__, constructor or prototype as keys' })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_SESSION_METADATA_BYTES, {
    message: `metadata over ${MAX_SESSION_METADATA_BYTES} bytes`,
  });

export const createSessionSchema = z.strictObject({
  deviceIds: z.array(deviceIdSchema).min(1).max(MAX_SESSION_DEVICES),
  metadata: sessionMetadataSchema.optional(),
});

/**
 * tablet-sync-metadata(data, targetDeviceId?): the target is checked by the
 * handler, which answers a malformed one with its own reason.
 */
export const syncMetadataArgsSchema = z
  .tuple([textOfAtMostBytes(MAX_SYNC_METADATA_BYTES, 'metadata')])
  .rest(z.unknown())
  .transform(([data, target]) => ({ data, target })) as unknown as z.ZodType<
  { data: string; target: unknown },
  [data: string, targetDeviceId?: string]
>;

/** A tablet's own ID for a command, so a retry (after a reconnect) answers the first instead of sending it again. */
export const COMMAND_ID_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;
export const commandIdSchema = z
  .string()
  .regex(COMMAND_ID_PATTERN, { message: 'commandId must be 1-64 characters of a-z, A-Z, 0-9, _, . or -' });

/** A command to one headset: the spec's bare device ID, or { deviceId, commandId }. */
export const commandTargetSchema = z.union([
  deviceIdSchema.transform((deviceId) => ({ deviceId, commandId: undefined as string | undefined })),
  z.strictObject({ deviceId: deviceIdSchema, commandId: commandIdSchema.optional() }),
]) as unknown as z.ZodType<{ deviceId: string; commandId?: string }, string | { deviceId: string; commandId?: string }>;

/** When a synchronized start is to happen: a server epoch-ms time (the service checks it is far enough ahead, and not too far). */
export const startAtSchema = z.number().int().positive().max(8.64e15);

/** A start to one headset: the bare device ID, or { deviceId, commandId?, startAt? } (startAt: a synchronized start, docs/CLOCK.md). */
export const startTargetSchema = z.union([
  deviceIdSchema.transform((deviceId) => ({ deviceId, commandId: undefined as string | undefined })),
  z.strictObject({ deviceId: deviceIdSchema, commandId: commandIdSchema.optional(), startAt: startAtSchema.optional() }),
]) as unknown as z.ZodType<
  { deviceId: string; commandId?: string; startAt?: number },
  string | { deviceId: string; commandId?: string; startAt?: number }
>;

/**
 * headset-recording-state: the spec's boolean, or { isRecording, startedAtDeviceTime? }, where
 * startedAtDeviceTime is when the headset really started, in its own clock (epoch ms).
 */
export const recordingStateSchema = z.union([
  z.boolean().transform((isRecording) => ({ isRecording, startedAtDeviceTime: undefined as number | undefined })),
  z.strictObject({ isRecording: z.boolean(), startedAtDeviceTime: z.number().positive().max(8.64e15).optional() }),
]) as unknown as z.ZodType<
  { isRecording: boolean; startedAtDeviceTime?: number },
  boolean | { isRecording: boolean; startedAtDeviceTime?: number }
>;

/** A command to every held headset: no payload (the spec), or { commandId }. */
export const commandAllArgsSchema = z
  .tuple([])
  .rest(z.unknown())
  .transform((args, ctx): { commandId?: string } => {
    if (args.length === 0 || args[0] === undefined || args[0] === null) return {};
    const parsed = z.strictObject({ commandId: commandIdSchema.optional() }).safeParse(args[0]);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: 'expected no payload or { commandId }' });
    return z.NEVER;
  }) as unknown as z.ZodType<{ commandId?: string }, [payload?: { commandId?: string }]>;

/** A start of every held headset: no payload, or { commandId?, startAt? } (a synchronized start). */
export const startAllArgsSchema = z
  .tuple([])
  .rest(z.unknown())
  .transform((args, ctx): { commandId?: string; startAt?: number } => {
    if (args.length === 0 || args[0] === undefined || args[0] === null) return {};
    const parsed = z.strictObject({ commandId: commandIdSchema.optional(), startAt: startAtSchema.optional() }).safeParse(args[0]);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: 'expected no payload or { commandId?, startAt? }' });
    return z.NEVER;
  }) as unknown as z.ZodType<{ commandId?: string; startAt?: number }, [payload?: { commandId?: string; startAt?: number }]>;

/** How a subscribed dashboard receives telemetry: one event per update (the spec's), or batched. */
export const telemetryDeliverySchema = z.enum(['per-update', 'batched']);
export type TelemetryDelivery = z.infer<typeof telemetryDeliverySchema>;

const subscribeOptionsSchema = z.object({ telemetry: telemetryDeliverySchema.optional() });

/**
 * dashboard-subscribe(options?). The spec's event has no payload, and whatever
 * a client sent with it was ignored: anything but an object still subscribes
 * per update, as before. An object is the opt-in, and is checked:
 * `{ telemetry: 'batched' }` asks for on-fleet-telemetry-batch instead of
 * on-device-telemetry-updated.
 */
export const dashboardSubscribeArgsSchema = z.array(z.unknown()).transform((args, ctx): { telemetry: TelemetryDelivery } => {
  const first = args[0];
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return { telemetry: 'per-update' };
  const parsed = subscribeOptionsSchema.safeParse(first);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', path: [0, 'telemetry'], message: "telemetry must be 'per-update' or 'batched'" });
    return z.NEVER;
  }
  return { telemetry: parsed.data.telemetry ?? 'per-update' };
}) as unknown as z.ZodType<{ telemetry: TelemetryDelivery }, [options?: { telemetry?: TelemetryDelivery }]>;

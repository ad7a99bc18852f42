import { z } from 'zod';
import { actorSchema } from '../domain/actor';
import { clockEstimateSchema, recordingStartSchema } from '../domain/clock';
import { commandActionSchema, commandStateSchema } from '../domain/commands';
import { deviceSessionStatusSchema, sessionStatusSchema } from '../domain/sessions';
import { telemetrySchema } from './telemetry';

/**
 * What the server sends about devices and sessions, as schemas: the types
 * below are derived from them, and the API documents are generated from them.
 * Dates travel as ISO strings.
 */

export const presenceStatusSchema = z.enum(['online', 'stale', 'offline']);
export type PresenceStatus = z.infer<typeof presenceStatusSchema>;

const isoTime = z.string();

/** The spec's DeviceState on the wire, plus presence. */
export const deviceStateViewSchema = z.object({
  deviceId: z.string(),
  socketId: z.string(),
  isOnline: z.boolean(),
  /** Beyond the spec: connected but silent for longer than DEVICE_STALE_MS. */
  isStale: z.boolean(),
  status: presenceStatusSchema,
  lastSeen: isoTime,
  telemetry: telemetrySchema.nullable(),
  connectionTime: isoTime,
  isRecording: z.boolean(),
  isLocked: z.boolean(),
  lockedByTabletId: z.string().optional(),
  lockedAt: isoTime.optional(),
  /** Beyond the spec: the name an operator gave the device in the console (POST /api/devices/:deviceId/name). */
  name: z.string().optional(),
  /** Beyond the spec: the headset's clock as the server measured it; null until (or unless) it answers on-time-sync (docs/CLOCK.md). */
  clock: clockEstimateSchema.nullable().optional(),
});
export type DeviceStateView = z.infer<typeof deviceStateViewSchema>;

export const headsetListInfoSchema = z.object({
  deviceId: z.string(),
  isLocked: z.boolean(),
  lockedByTabletId: z.string().optional(),
  customName: z.string(),
});
export type HeadsetListInfo = z.infer<typeof headsetListInfoSchema>;

export const deviceLockStatusSchema = z.object({
  deviceId: z.string(),
  isLocked: z.boolean(),
  lockedByTabletId: z.string().optional(),
});
export type DeviceLockStatus = z.infer<typeof deviceLockStatusSchema>;

export const telemetryUpdateSchema = z.object({
  deviceId: z.string(),
  isOnline: z.boolean(),
  isStale: z.boolean(),
  lastSeen: isoTime,
  telemetry: telemetrySchema.nullable(),
  isLocked: z.boolean(),
  lockedByTabletId: z.string().optional(),
});
export type TelemetryUpdate = z.infer<typeof telemetryUpdateSchema>;

export const sessionViewSchema = z.object({
  sessionId: z.string(),
  tabletId: z.string(),
  status: sessionStatusSchema,
  deviceIds: z.array(z.string()),
  createdAt: isoTime,
  startedAt: isoTime.optional(),
  endedAt: isoTime.optional(),
  endReason: z.string().optional(),
  duration: z.number().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  deviceStatuses: z.record(z.string(), deviceSessionStatusSchema),
  /** Beyond the spec: which of its devices are offline right now. */
  offlineDevices: z.array(z.string()).optional(),
  /** Beyond the spec: latest minus earliest start (server ms) of its headsets in its latest synchronized start (docs/CLOCK.md). */
  startSpreadMs: z.number().nonnegative().optional(),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/** A live frame: a base64 JPEG string, or binary (a Buffer in Node, an ArrayBuffer in a browser). */
export type FramePayload = string | Buffer | ArrayBuffer | Uint8Array;
export const framePayloadSchema = z.custom<FramePayload>(
  (v) => typeof v === 'string' || v instanceof Uint8Array || v instanceof ArrayBuffer,
  { message: 'a frame is a base64 JPEG string or binary' },
);

/** A recording command as the ledger keeps it (on-command-updated, acks, GET /api/commands). */
export const commandViewSchema = z.object({
  commandId: z.string(),
  action: commandActionSchema,
  deviceId: z.string(),
  issuedBy: actorSchema,
  issuedAt: isoTime,
  state: commandStateSchema,
  updatedAt: isoTime,
  reason: z.string().optional(),
  batchId: z.string().optional(),
  sessionId: z.string().optional(),
  /** A synchronized start's planned time (server epoch ms). */
  startAt: z.number().optional(),
  /** When the headset really started (server epoch ms), as it reported it, with the error against startAt and the clock estimate used. */
  start: recordingStartSchema.optional(),
});
export type CommandView = z.infer<typeof commandViewSchema>;

/** One entry of a device's or session's timeline, or of the audit log (docs/AUDIT.md lists every kind). */
export const timelineEntryViewSchema = z.object({
  id: z.string(),
  at: isoTime,
  kind: z.string(),
  deviceIds: z.array(z.string()),
  sessionId: z.string().optional(),
  actor: actorSchema.optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type TimelineEntryView = z.infer<typeof timelineEntryViewSchema>;
/** An alarm as clients see it (docs/ALARMS.md). `value` is in the rule's unit (percent, GB, °C, seconds, minutes, QA score). */
export const alarmViewSchema = z.object({
  alarmId: z.string(),
  deviceId: z.string(),
  type: z.string(),
  severity: z.enum(['warning', 'critical']),
  state: z.enum(['active', 'acknowledged', 'cleared']),
  message: z.string(),
  value: z.number().nullable(),
  raisedAt: isoTime,
  lastSeenAt: isoTime,
  count: z.number().int(),
  acknowledgedAt: isoTime.optional(),
  /** Beyond the fields: who acknowledged, as `{ kind, id }` (kind: tablet, dashboard, admin). */
  acknowledgedBy: z.object({ kind: z.string(), id: z.string() }).optional(),
  clearedAt: isoTime.optional(),
  /** When it last came back from cleared (raised again within ALARM_REOPEN_DWELL_MS), and how many times it has. */
  reopenedAt: isoTime.optional(),
  reopenCount: z.number().int().optional(),
  /** Beyond the issue: when this warning, open too long or seen too often, became critical (docs/ALARMS.md, escalation). */
  escalatedAt: isoTime.optional(),
});
export type AlarmView = z.infer<typeof alarmViewSchema>;

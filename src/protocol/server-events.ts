import { z } from 'zod';
import { clockEstimateSchema } from '../domain/clock';
import { asks, emits, emitsMaybe, errorCodeSchema, type ServerEventSpec } from './event-spec';
import {
  commandViewSchema,
  alarmViewSchema,
  deviceLockStatusSchema,
  deviceStateViewSchema,
  framePayloadSchema,
  headsetListInfoSchema,
  presenceStatusSchema,
  sessionViewSchema,
  telemetryUpdateSchema,
  timelineEntryViewSchema,
} from './views';
import { recordingVerdictSchema } from './recordings';

const id = z.string();
const deviceRef = z.object({ deviceId: id });
const denial = z.object({ deviceId: id, reason: z.string().optional() });
const commandsSchema = z.enum(['start', 'stop', 'toggle']);

/**
 * Every event the server sends: the single definition of the server half of
 * the protocol. Events beyond the spec say so in their description.
 */
export const serverEvents = {
  // Headset notifications
  'on-headset-connected': emits('To a headset: its identify was accepted.'),
  'on-connection-replaced': emits(
    'Beyond the spec, to a headset connection: another connection identified as the same device, so the server closes this one right after.',
    z.object({ deviceId: id, reason: z.string() }),
  ),
  'on-headset-disconnected': emits(
    "Legacy, to a headset's watchers: it went offline (the device ID is added to the spec's empty payload).",
    id,
  ),
  'on-headset-frame-updated': emits("To a headset's watchers: a live frame (as it arrived), then the device ID.", framePayloadSchema, id),
  'on-headset-status-updated': emits("To a headset's watchers: its status text, then the device ID.", z.string(), id),
  'on-headset-logs-processed': emits("To a headset's watchers: it processed its logs.", id),
  'on-headset-recording-active': emits("To a headset's watchers: it started recording.", id),
  'on-headset-recording-inactive': emits("To a headset's watchers: it stopped recording.", id),

  // Headset lists
  'on-headsets-updated': emits(
    'To tablets and dashboards: the online headsets. Sent when they change, to a tablet as it connects and to a dashboard as it subscribes.',
    z.array(id),
  ),
  'on-headsets-with-lock-status-updated': emits(
    'To tablets and dashboards: headsets with their locks. Sent when they change, to a tablet as it connects and to a dashboard as it subscribes.',
    z.array(headsetListInfoSchema),
  ),
  'on-device-locks-updated': emits(
    'To tablets and dashboards: every lock. Sent when locks change and to a tablet as it connects.',
    z.array(deviceLockStatusSchema),
  ),

  // Lock answers
  'on-device-locked': emits('To the tablet: it holds the device.', deviceRef),
  'on-device-lock-failed': emits('To the tablet: the lock was refused, and why.', z.object({ deviceId: id, reason: z.string() })),
  'on-device-unlocked': emits('To the tablet: it released the device.', deviceRef),
  'on-devices-locked': emits(
    "To the tablet: the batch lock's outcome; `reasons` (beyond the spec) says why each failed.",
    z.object({ locked: z.array(id), failed: z.array(id), reasons: z.record(z.string(), z.string()) }),
  ),
  'on-all-devices-unlocked': emits('To the tablet: what it released.', z.object({ unlocked: z.array(id) })),
  'on-device-disconnected': emits('To the lock holder: its headset disconnected.', deviceRef),

  // Recording (commands to headsets, answers to tablets)
  'on-tablet-recording-toggled': emits('To a headset: toggle recording.'),
  'on-tablet-start-recording': emitsMaybe(
    "To a headset: start recording; at once, or (beyond the spec, a synchronized start) at startAt, a server epoch-ms time, which is startAtDeviceTime in the headset's own clock (docs/CLOCK.md). No payload without startAt.",
    z.object({ commandId: id, startAt: z.number(), startAtDeviceTime: z.number() }),
  ),
  'on-time-sync': asks(
    'Beyond the spec, to an identified headset: the server measures its clock. The headset answers at once with { deviceTime }, its own clock (epoch ms) when it handled the message (docs/CLOCK.md).',
    z.object({ serverTime: z.number() }),
    z.object({ deviceTime: z.number().finite().positive() }),
  ),
  'on-device-clock-updated': emits(
    "Beyond the spec, to dashboards: a headset's clock estimate changed (null: not measured yet).",
    z.object({ deviceId: id, clock: clockEstimateSchema.nullable() }),
  ),
  'on-tablet-stop-recording': emits('To a headset: stop recording.'),
  'on-device-recording-changed': emits(
    'To the lock holder and dashboards: a headset reported its recording state.',
    z.object({ deviceId: id, isRecording: z.boolean() }),
  ),
  'on-recording-denied': emits('To the tablet: a start/stop command was refused.', denial),
  'on-recording-toggle-denied': emits('To the tablet: a toggle was refused.', denial),
  'on-recording-command-timeout': emits(
    'Beyond the spec, to the tablet: a headset did not confirm a command in time.',
    z.object({ deviceId: id, command: commandsSchema }),
  ),
  'on-command-updated': emits(
    'Beyond the spec, to the issuing tablet: one of its recording commands was recorded or changed state (sent, confirmed, failed, expired).',
    commandViewSchema,
  ),
  'on-recording-status': emits(
    "To the tablet: a headset's recording status.",
    z.object({ deviceId: id, isRecording: z.boolean(), isOnline: z.boolean() }),
  ),
  'on-metadata-synced': emits('To headsets: metadata from their tablet.', z.string()),

  // Sessions
  'on-session-created': emits(
    "To the tablet, the session's headsets and dashboards.",
    z.object({ sessionId: id, deviceIds: z.array(id), unavailable: z.array(id).optional() }),
  ),
  'on-session-started': emits("To the session's audience.", z.object({ sessionId: id, startedAt: z.string() })),
  'on-session-paused': emits("To the session's audience.", z.object({ sessionId: id })),
  'on-session-ended': emits(
    'To the session\'s audience; `reason` says why when the server ended it: "expired" (past SESSION_EXPIRY_MS), ' +
      '"superseded" (its tablet, on a new connection, created another session: the end it sent was lost, e.g. in a restart), ' +
      '"orphaned" (a create interrupted after saving it left it without its tablet; ended by the next session cleanup once a minute old).',
    z.object({ sessionId: id, endedAt: z.string(), duration: z.number(), reason: z.string().optional() }),
  ),
  'on-session-error': emits(
    'To the tablet: a session request was refused.',
    z.object({ error: z.string(), sessionId: id.optional(), unavailable: z.array(id).optional() }),
  ),
  'on-session-status': emits('To the tablet: a session it asked for.', sessionViewSchema),
  'on-active-session': emits('To the tablet: its active session, or null.', sessionViewSchema.nullable()),
  'on-session-upload-updated': emits("To the tablet and dashboards: a session's upload progress changed.", sessionViewSchema),

  // Dashboards
  'on-fleet-status-updated': emits('To a subscribing dashboard: every device.', z.array(deviceStateViewSchema)),
  'on-device-telemetry-updated': emits("To dashboards and the headset's watchers: new telemetry.", telemetryUpdateSchema),
  'on-device-timeline-entry': emits(
    "Beyond the spec, to a headset's viewers (dashboard-watch-device): a new entry of its timeline (docs/AUDIT.md).",
    timelineEntryViewSchema,
  ),
  'on-fleet-telemetry-batch': emits(
    "Beyond the spec, to dashboards that subscribed with { telemetry: 'batched' }: every TELEMETRY_BATCH_MS, the latest " +
      'update of each device whose telemetry changed since the last batch, in the shape of on-device-telemetry-updated. ' +
      'With several server processes, each sends its own batch (the devices connected to it), so a dashboard may get ' +
      'one batch per process per interval.',
    z.object({ updates: z.array(telemetryUpdateSchema), intervalMs: z.number() }),
  ),
  'on-device-presence-changed': emits(
    'Beyond the spec, to dashboards: a device went online, stale or offline.',
    z.object({ deviceId: id, status: presenceStatusSchema, lastSeen: z.string() }),
  ),

  // Alarms (docs/ALARMS.md): to the tablet holding the device's lock, the tablet of its session, and dashboards.
  'on-alarm-raised': emits(
    "To the device's tablets and dashboards: an alarm was raised. Also sent to a tablet, on connecting and on locking a device, for each open alarm of its devices.",
    alarmViewSchema,
  ),
  'on-alarm-updated': emits(
    "To the device's tablets and dashboards: an open alarm was seen again (count, lastSeenAt, value), acknowledged, or re-announced (critical, still active, acknowledged ALARM_RENOTIFY_MINUTES ago).",
    alarmViewSchema,
  ),
  'on-alarm-cleared': emits("To the device's tablets and dashboards: an alarm cleared.", alarmViewSchema),
  'on-recording-verdict': emits(
    "Beyond the spec, to the recording's tablet (the one that commanded it, and the headset's lock holder), the headset and dashboards: the integrity gate's verdict on a recording, or `fail` when a file did not arrive in time (RECORDING_UPLOAD_DEADLINE).",
    recordingVerdictSchema,
  ),
  'on-dataset-progress': emits(
    'Beyond the spec, to dashboards: a dataset build moved on (its state, or more takes done; at most a few times a second per build). docs/DATASETS.md.',
    z.object({
      datasetId: z.string(),
      name: z.string(),
      version: z.number().int(),
      state: z.enum(['queued', 'building', 'ready', 'failed']),
      done: z.number().int(),
      total: z.number().int(),
    }),
  ),

  'on-token-expired': emits(
    'Beyond the spec, to the sender: its token expired; the server closes the connection right after. Reconnect with a fresh token.',
    z.object({ reason: z.string(), expiredAt: z.string() }),
  ),

  'on-event-rejected': emits(
    'Beyond the spec, to the sender: one of its events was refused (sent at most once a second); `code` is the error code to branch on, `reason` the message for people.',
    z.object({ event: z.string(), reason: z.string(), code: errorCodeSchema }),
  ),
} as const satisfies Record<string, ServerEventSpec>;

export type ServerEvents = typeof serverEvents;
export type ServerEventName = keyof ServerEvents;

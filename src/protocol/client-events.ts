import { z } from 'zod';
import { deviceIdSchema, sessionIdSchema } from '../domain/ids';
import {
  commandAllArgsSchema,
  commandTargetSchema,
  createSessionSchema,
  dashboardSubscribeArgsSchema,
  telemetryDeliverySchema,
  headsetStatusSchema,
  identifyPayloadSchema,
  lockBatchSchema,
  lockTargetSchema,
  recordingStateSchema,
  startAllArgsSchema,
  startTargetSchema,
  syncMetadataArgsSchema,
} from './client-payloads';
import { answer, none, okAnswer, one, type ClientEventSpec } from './event-spec';
import { telemetryPayloadSchema } from './telemetry';
import { alarmViewSchema, commandViewSchema, framePayloadSchema, sessionViewSchema } from './views';
import { recordingViewSchema, tabletReviewSchema } from './recordings';

const headset = ['headset'] as const;
const tablet = ['tablet'] as const;
const viewer = ['dashboard', 'tablet'] as const;

const recordingCommandSchema = z.enum(['start', 'stop', 'toggle']);
/** `record` is the command's ledger record; `retried` when this commandId was already known (nothing was sent again). */
const commandAnswer = answer({
  deviceId: z.string(),
  command: recordingCommandSchema,
  commandId: z.string(),
  state: commandViewSchema.shape.state,
  retried: z.boolean(),
  record: commandViewSchema,
});
/** Commands to several headsets: who was sent it, who was refused and why, and one ledger record per headset. */
const commandsShape = {
  sent: z.array(z.string()),
  denied: z.array(z.object({ deviceId: z.string(), reason: z.string() })),
  commands: z.array(commandViewSchema),
};
const deviceAnswer = answer({ deviceId: z.string() });

/** The frame rates a preview viewer may ask for (src/frames/preview-rates.ts sends each at most that often). */
export const PREVIEW_RATES = [1, 2, 5, 10, 15] as const;
const previewWatchSchema = z.strictObject({
  deviceId: deviceIdSchema,
  fps: z.literal([...PREVIEW_RATES], { message: `fps is one of ${PREVIEW_RATES.join(', ')}` }),
});

/**
 * Every event a client may send: who may send it, its arguments and its
 * answer. The single definition of the client half of the protocol.
 */
export const clientEvents = {
  // Headset
  'headset-identify': { roles: headset, args: one(identifyPayloadSchema), ack: deviceAnswer },
  'headset-frame': { roles: headset, args: one(framePayloadSchema), ack: okAnswer, hot: true },
  'headset-status': { roles: headset, args: one(headsetStatusSchema), ack: okAnswer },
  'device-telemetry': { roles: headset, args: one(telemetryPayloadSchema), ack: okAnswer },
  'headset-logs-processed': { roles: headset, args: none, ack: okAnswer },
  'headset-recording-state': { roles: headset, args: one(recordingStateSchema), ack: okAnswer },

  // Tablet: locks
  'tablet-lock-device': {
    roles: tablet,
    args: one(lockTargetSchema),
    ack: answer({ deviceId: z.string(), refreshed: z.boolean() }),
  },
  'tablet-unlock-device': { roles: tablet, args: one(lockTargetSchema), ack: deviceAnswer },
  'tablet-lock-devices': {
    roles: tablet,
    args: one(lockBatchSchema),
    ack: answer({ locked: z.array(z.string()), failed: z.array(z.string()), reasons: z.record(z.string(), z.string()) }),
  },
  'tablet-unlock-all-devices': { roles: tablet, args: none, ack: answer({ unlocked: z.array(z.string()) }) },

  // Tablet: recording
  'tablet-start-recording': { roles: tablet, args: one(startTargetSchema), ack: commandAnswer },
  'tablet-stop-recording': { roles: tablet, args: one(commandTargetSchema), ack: commandAnswer },
  'tablet-start-all-recording': { roles: tablet, args: startAllArgsSchema, ack: answer(commandsShape) },
  'tablet-stop-all-recording': { roles: tablet, args: commandAllArgsSchema, ack: answer(commandsShape) },
  /** @deprecated use tablet-start-recording / tablet-stop-recording */
  'tablet-toggle-recording': { roles: tablet, args: one(commandTargetSchema), ack: commandAnswer },
  /** @deprecated use tablet-start-all-recording / tablet-stop-all-recording */
  'tablet-toggle-all-recording': { roles: tablet, args: commandAllArgsSchema, ack: answer(commandsShape) },

  // Tablet: sessions
  'tablet-create-session': {
    roles: tablet,
    args: one(createSessionSchema),
    ack: answer({ sessionId: z.string(), deviceIds: z.array(z.string()), unavailable: z.array(z.string()).optional() }),
  },
  'tablet-start-session': {
    roles: tablet,
    args: one(sessionIdSchema),
    ack: answer({ sessionId: z.string(), startedAt: z.string(), ...commandsShape }),
  },
  'tablet-pause-session': { roles: tablet, args: one(sessionIdSchema), ack: answer({ sessionId: z.string(), ...commandsShape }) },
  'tablet-end-session': {
    roles: tablet,
    args: one(sessionIdSchema),
    ack: answer({ sessionId: z.string(), endedAt: z.string(), duration: z.number(), ...commandsShape }),
  },
  'tablet-get-session': { roles: tablet, args: one(sessionIdSchema), ack: answer({ session: sessionViewSchema }) },
  'tablet-get-active-session': { roles: tablet, args: none, ack: answer({ session: sessionViewSchema.nullable() }) },

  /** Beyond the spec: keep or discard a recording, tag it, note its outcome (issue 18). */
  'tablet-review-recording': { roles: tablet, args: one(tabletReviewSchema), ack: answer({ recording: recordingViewSchema }) },

  // Tablet: legacy
  'tablet-connect-headset': { roles: tablet, args: one(deviceIdSchema), ack: deviceAnswer },
  'tablet-disconnect-headset': { roles: tablet, args: one(deviceIdSchema), ack: deviceAnswer },
  'tablet-get-recording-status': {
    roles: tablet,
    args: one(deviceIdSchema),
    ack: answer({ deviceId: z.string(), isRecording: z.boolean(), isOnline: z.boolean() }),
  },
  'tablet-ack-alarm': {
    roles: tablet,
    args: one(z.strictObject({ alarmId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'alarmId must be an alarm ID' }) })),
    ack: answer({ alarm: alarmViewSchema }),
  },
  'tablet-sync-metadata': { roles: tablet, args: syncMetadataArgsSchema, ack: answer({ deviceIds: z.array(z.string()) }) },

  // Dashboard (and tablets)
  /**
   * Beyond the spec: `{ telemetry: 'batched' }` receives on-fleet-telemetry-batch every TELEMETRY_BATCH_MS
   * instead of one on-device-telemetry-updated per update; without it, the spec's behaviour. The answer
   * says which (`telemetry`), beyond the spec.
   */
  'dashboard-subscribe': {
    roles: viewer,
    args: dashboardSubscribeArgsSchema,
    ack: answer({ devices: z.number(), telemetry: telemetryDeliverySchema.optional() }),
  },
  'dashboard-unsubscribe': { roles: viewer, args: none, ack: okAnswer },
  /** Beyond the spec: receive a headset's live frames. */
  'dashboard-watch-device': { roles: viewer, args: one(deviceIdSchema), ack: deviceAnswer },
  /**
   * Beyond the spec: receive a headset's live frames at most `fps` a second (a preview wall). The server drops
   * frames for this viewer down to that rate; the headset sends as before. Replaces an earlier watch of the same
   * headset by this connection (at another rate, or dashboard-watch-device's every frame).
   */
  'dashboard-watch-preview': { roles: viewer, args: one(previewWatchSchema), ack: answer({ deviceId: z.string(), fps: z.number() }) },
  'dashboard-unwatch-device': { roles: viewer, args: one(deviceIdSchema), ack: deviceAnswer },

  // Anyone
  /**
   * Beyond the spec: the server's clock (epoch ms, with a fraction), for a tablet choosing a synchronized
   * start's startAt: take the middle of the round trip as the moment it was read (docs/CLOCK.md).
   */
  'server-time': { roles: ['headset', 'tablet', 'dashboard'], args: none, ack: answer({ serverTime: z.number() }) },
} as const satisfies Record<string, ClientEventSpec>;

export type ClientEvents = typeof clientEvents;
export type ClientEventName = keyof ClientEvents;
/** The hot-path events (live frames); every other client event is a control event. */
export type HotEventName = { [E in ClientEventName]: ClientEvents[E] extends { hot: true } ? E : never }[ClientEventName];
export type ControlEventName = Exclude<ClientEventName, HotEventName>;
export type RecordingCommand = z.infer<typeof recordingCommandSchema>;

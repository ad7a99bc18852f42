import { ADMIN_ACTOR, type Actor } from '../domain/actor';
import type { DomainEvents } from '../domain/events';
import type { DeviceTelemetry } from '../protocol/telemetry';
import type { TelemetrySample, TimelineDetails, TimelineEntryInput } from '../state/types';

/** Battery levels (fractions) whose crossing is a timeline entry. */
export const BATTERY_THRESHOLDS = [0.5, 0.2, 0.1] as const;
/** One telemetry sample per device per minute goes to the history. */
export const SAMPLE_INTERVAL_MS = 60_000;
/** Devices this process remembers telemetry for at most (one headset is one entry; the oldest goes first). */
const MAX_TRACKED_DEVICES = 10_000;

const SAMPLED_FIELDS = [
  'batteryLevel',
  'storageUsedBytes',
  'storageTotalBytes',
  'cpuTemperature',
  'gpuTemperature',
  'wifiSignalLevel',
  'leftHandTracked',
  'rightHandTracked',
  'bodyTracked',
  'trackingConfidence',
] as const satisfies ReadonlyArray<keyof DeviceTelemetry>;

interface Tracked {
  battery?: number;
  appVersion?: string;
  osVersion?: string;
  sampledAt: number;
}

export interface TimelineSink {
  record(entry: TimelineEntryInput): void;
  sample(sample: TelemetrySample): void;
}

const tablet = (id: string): Actor => ({ kind: 'tablet', id });

/**
 * Turns what the domain announces into timeline and audit entries. Each event
 * is published once, by the process where it happened, so each entry is
 * written once per cluster. Listeners only queue (TimelineSink), so they
 * never block or fail the publisher. Returns the unsubscribe function.
 */
export function subscribeTimeline(events: DomainEvents, sink: TimelineSink, now: () => number = Date.now): () => void {
  const tracked = new Map<string, Tracked>();
  /** The command a headset's latest report confirmed: its recording entry names it. */
  const confirmedBy = new Map<string, string>();
  const at = () => new Date(now());
  const device = (deviceId: string, kind: string, details?: TimelineDetails, extra: Partial<TimelineEntryInput> = {}) =>
    sink.record({ at: at(), kind, deviceIds: [deviceId], ...(details ? { details } : {}), ...extra });

  const off = [
    events.on('device.identified', ({ deviceId }) => device(deviceId, 'device.connected')),
    events.on('device.disconnected', ({ deviceId }) => {
      tracked.delete(deviceId);
      device(deviceId, 'device.disconnected');
    }),
    events.on('device.presence-changed', ({ deviceId, status, lastSeen }) => {
      if (status === 'offline') return; // device.disconnected says it
      device(deviceId, status === 'stale' ? 'device.stale' : 'device.responsive', { lastSeen: lastSeen.toISOString() });
    }),
    events.on('lock.changed', ({ deviceId, tabletId, change, by }) =>
      device(deviceId, change === 'locked' ? 'lock.locked' : 'lock.unlocked', by ? { tabletId } : undefined, {
        actor: by ?? tablet(tabletId),
        outcome: 'ok',
      }),
    ),
    events.on('device.recording-changed', ({ deviceId, isRecording }) => {
      const commandId = confirmedBy.get(deviceId);
      confirmedBy.delete(deviceId);
      device(deviceId, isRecording ? 'recording.started' : 'recording.stopped', commandId ? { commandId } : undefined);
    }),
    events.on('command.changed', (c) => {
      if (c.state === 'confirmed') confirmedBy.set(c.deviceId, c.commandId);
      if (confirmedBy.size > MAX_TRACKED_DEVICES) confirmedBy.delete(confirmedBy.keys().next().value!);
      const details: TimelineDetails = { commandId: c.commandId, action: c.action };
      if (c.reason !== undefined) details.reason = c.reason;
      if (c.batchId) details.batchId = c.batchId;
      // The command's first event is the operator's action (audit); later ones are the headset's answer.
      const issued = c.issuedAt !== undefined && c.updatedAt !== undefined && c.issuedAt.getTime() === c.updatedAt.getTime();
      device(c.deviceId, `command.${c.state}`, details, {
        ...(c.sessionId ? { sessionId: c.sessionId } : {}),
        ...(issued ? { actor: c.issuedBy, outcome: c.state === 'failed' ? 'denied' : 'ok' } : {}),
      });
    }),
    // A refused command is no ledger record. One to a headset the tablet holds (offline) is the operator's action on
    // that headset: an audit entry. One to a headset it does not hold, or to no headset, is counted and logged by the
    // commands feature, never written here: a tablet holding nothing gives no headset, real or invented, a timeline.
    events.on('command.denied', ({ tabletId, deviceId, command, reason, code }) => {
      if (code !== 'device_offline') return;
      device(deviceId, 'command.denied', { command, reason }, { actor: tablet(tabletId), outcome: 'denied' });
    }),
    events.on('session.changed', ({ session, change }) => {
      const expired = change === 'ended' && session.endReason === 'expired';
      sink.record({
        at: at(),
        kind: `session.${change}`,
        deviceIds: [],
        sessionId: session.sessionId,
        actor: expired ? { kind: 'system', id: 'session-cleanup' } : tablet(session.tabletId),
        outcome: 'ok',
        details: {
          status: session.status,
          devices: session.deviceIds.join(' '),
          ...(session.endReason ? { reason: session.endReason } : {}),
        },
      });
    }),
    events.on('token.minted', ({ deviceId, deviceType }) =>
      sink.record({
        at: at(),
        kind: 'token.minted',
        deviceIds: [],
        actor: ADMIN_ACTOR,
        outcome: 'ok',
        details: { deviceId, deviceType },
      }),
    ),
    events.on('metadata.synced', ({ tabletId, deviceIds, bytes }) =>
      sink.record({ at: at(), kind: 'metadata.synced', deviceIds, actor: tablet(tabletId), outcome: 'ok', details: { bytes } }),
    ),
    events.on('upload.changed', (u) => {
      if (!u.deviceId) return; // a legacy upload without a device belongs to no timeline
      device(
        u.deviceId,
        `upload.${u.change}`,
        { uploadId: u.uploadId, key: u.key, fileType: u.fileType, fileSize: u.fileSize },
        u.sessionId ? { sessionId: u.sessionId } : {},
      );
    }),
    events.on('recording.verdict', (v) => {
      if (!v.deviceId) return;
      device(
        v.deviceId,
        'recording.verdict',
        { recordingId: v.recordingId, verdict: v.verdict, qaScore: v.qaScore, reasons: v.reasons.join('; ') },
        v.sessionId ? { sessionId: v.sessionId } : {},
      );
    }),
    events.on('recording.reviewed', (r) =>
      sink.record({
        at: at(),
        kind: 'recording.reviewed',
        deviceIds: r.deviceId ? [r.deviceId] : [],
        actor: r.actor,
        outcome: 'ok',
        details: { recordingId: r.recordingId, decision: r.decision },
      }),
    ),
    events.on('alarm.changed', (a) => {
      // Repeats and re-notifications are the alarm's business, not the timeline's; an escalation is news.
      if (a.change === 'updated' && !a.escalated) return;
      device(
        a.deviceId,
        a.escalated ? 'alarm.escalated' : `alarm.${a.change}`,
        { alarmId: a.alarmId, type: a.type, severity: a.severity },
        a.actor ? { actor: a.actor, outcome: 'ok' } : {},
      );
    }),
    // The hot path (once a second per headset): a map lookup and a few comparisons, nothing written unless something crossed.
    events.on('device.telemetry', ({ deviceId, telemetry }) => {
      const t = now();
      let seen = tracked.get(deviceId);
      if (!seen) {
        if (tracked.size >= MAX_TRACKED_DEVICES) tracked.delete(tracked.keys().next().value!);
        seen = { sampledAt: 0 };
        tracked.set(deviceId, seen);
      }
      const battery = telemetry.batteryLevel;
      if (battery !== undefined) {
        if (seen.battery !== undefined) {
          for (const threshold of BATTERY_THRESHOLDS) {
            const below = battery < threshold;
            if (below !== seen.battery < threshold) {
              device(deviceId, below ? 'battery.below' : 'battery.above', { threshold: threshold * 100, level: Math.round(battery * 100) });
            }
          }
        }
        seen.battery = battery;
      }
      for (const field of ['appVersion', 'osVersion'] as const) {
        const value = telemetry[field];
        if (value === undefined) continue;
        if (seen[field] !== undefined && seen[field] !== value)
          device(deviceId, 'device.version-changed', { field, from: seen[field], to: value });
        seen[field] = value;
      }
      if (t - seen.sampledAt >= SAMPLE_INTERVAL_MS) {
        seen.sampledAt = t;
        const values: TelemetrySample['values'] = {};
        for (const field of SAMPLED_FIELDS) if (telemetry[field] !== undefined) values[field] = telemetry[field];
        sink.sample({ deviceId, at: new Date(t), values });
      }
    }),
  ];
  return () => off.forEach((unsubscribe) => unsubscribe());
}

import type { AlarmSeverity } from '../state/alarm-types';

/** Every alarm type, as the issue spells them. */
export const ALARM_TYPES = [
  'battery_low_recording',
  'battery_critical',
  'storage_low',
  'overheating',
  'tracking_lost',
  'offline_while_locked',
  'upload_stalled',
  'recording_rejected',
  'command_unconfirmed',
  'clock_unsynced',
  'start_spread',
] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

/**
 * Each type's severity, whether acknowledging it clears it (no condition of its own ever clears it), and
 * whether a warning of it that persists escalates to critical (open ALARM_ESCALATE_AFTER_MS, or seen
 * ALARM_ESCALATE_REPEATS times): a condition that worsens the longer it lasts (heat, a draining battery
 * while recording, storage filling, tracking gone, an upload stuck). One-off events do not.
 */
export const ALARM_RULES: Record<AlarmType, { severity: AlarmSeverity; clearsOnAck: boolean; escalates: boolean }> = {
  battery_low_recording: { severity: 'warning', clearsOnAck: false, escalates: true },
  battery_critical: { severity: 'critical', clearsOnAck: false, escalates: false },
  storage_low: { severity: 'warning', clearsOnAck: false, escalates: true },
  overheating: { severity: 'warning', clearsOnAck: false, escalates: true },
  tracking_lost: { severity: 'warning', clearsOnAck: false, escalates: true },
  offline_while_locked: { severity: 'critical', clearsOnAck: false, escalates: false },
  upload_stalled: { severity: 'warning', clearsOnAck: false, escalates: true },
  recording_rejected: { severity: 'warning', clearsOnAck: true, escalates: false },
  command_unconfirmed: { severity: 'warning', clearsOnAck: false, escalates: false },
  clock_unsynced: { severity: 'warning', clearsOnAck: false, escalates: false },
  start_spread: { severity: 'warning', clearsOnAck: true, escalates: false },
};

export const isAlarmType = (t: string): t is AlarmType => (ALARM_TYPES as readonly string[]).includes(t);

/** What a rule decided: raise (or repeat) an alarm with a value, or clear it. */
export type AlarmDecision =
  { type: AlarmType; action: 'raise'; value: number | null; message: string } | { type: AlarmType; action: 'clear' };

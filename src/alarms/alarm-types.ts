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

/** Each type's severity, and whether acknowledging it clears it (no condition of its own ever clears it). */
export const ALARM_RULES: Record<AlarmType, { severity: AlarmSeverity; clearsOnAck: boolean }> = {
  battery_low_recording: { severity: 'warning', clearsOnAck: false },
  battery_critical: { severity: 'critical', clearsOnAck: false },
  storage_low: { severity: 'warning', clearsOnAck: false },
  overheating: { severity: 'warning', clearsOnAck: false },
  tracking_lost: { severity: 'warning', clearsOnAck: false },
  offline_while_locked: { severity: 'critical', clearsOnAck: false },
  upload_stalled: { severity: 'warning', clearsOnAck: false },
  recording_rejected: { severity: 'warning', clearsOnAck: true },
  command_unconfirmed: { severity: 'warning', clearsOnAck: false },
  clock_unsynced: { severity: 'warning', clearsOnAck: false },
  start_spread: { severity: 'warning', clearsOnAck: true },
};

export const isAlarmType = (t: string): t is AlarmType => (ALARM_TYPES as readonly string[]).includes(t);

/** What a rule decided: raise (or repeat) an alarm with a value, or clear it. */
export type AlarmDecision =
  { type: AlarmType; action: 'raise'; value: number | null; message: string } | { type: AlarmType; action: 'clear' };

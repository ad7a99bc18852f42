import type { PageTotal } from './page-total';
import type { Actor } from '../domain/actor';

export type AlarmSeverity = 'warning' | 'critical';
/** `active` and `acknowledged` alarms are open: the condition has not cleared. */
export type AlarmState = 'active' | 'acknowledged' | 'cleared';

/** One alarm: at most one open per (deviceId, type) at a time. */
export interface AlarmRecord {
  alarmId: string;
  deviceId: string;
  type: string;
  severity: AlarmSeverity;
  state: AlarmState;
  message: string;
  /** The measured value that raised (or last repeated) it, in the rule's unit; null when the rule has none. */
  value: number | null;
  raisedAt: Date;
  lastSeenAt: Date;
  /** How many times the condition was seen while the alarm stayed open (1 when raised). */
  count: number;
  acknowledgedAt?: Date;
  acknowledgedBy?: Actor;
  clearedAt?: Date;
  /** When the audience was last told (raised, acknowledged, re-notified): the re-notify clock. */
  notifiedAt: Date;
  /** When it last went back from cleared to active (raised again within the reopen dwell), and how often it has. */
  reopenedAt?: Date;
  reopenCount?: number;
  /** When a warning that persisted became critical (RaiseOptions.escalate). */
  escalatedAt?: Date;
}

export interface AlarmRaise {
  deviceId: string;
  type: string;
  severity: AlarmSeverity;
  message: string;
  value: number | null;
  at: Date;
}

/** `raised`: a new alarm; `updated`: the open one was seen again (lastSeenAt, count, value, message). */
/** The record a first raise creates: active, seen once, notified now. */
export function newAlarm(input: AlarmRaise, alarmId: string): AlarmRecord {
  return {
    alarmId,
    deviceId: input.deviceId,
    type: input.type,
    severity: input.severity,
    state: 'active',
    message: input.message,
    value: input.value,
    raisedAt: input.at,
    lastSeenAt: input.at,
    count: 1,
    notifiedAt: input.at,
  };
}

/**
 * `raised`: a new alarm; `updated`: the open one was seen again (lastSeenAt, count, value, message);
 * `reopened`: the one of (deviceId, type) cleared within the dwell is active again, the same record;
 * `suppressed`: none was open and the caller may not open one now (nothing written).
 */
export type RaiseResult = { outcome: 'raised' | 'updated' | 'reopened' | 'escalated'; alarm: AlarmRecord } | { outcome: 'suppressed' };

/** How a raise may go beyond repeating an open alarm. */
export interface RaiseOptions {
  /** An alarm of (deviceId, type) cleared at most this long before reopens instead of a new one; 0 or absent: never. */
  reopenWithinMs?: number;
  /** False: only an open alarm is repeated; none is raised or reopened (the device's raise budget is spent). */
  mayOpen?: boolean;
  /**
   * A warning repeated while open becomes critical (outcome `escalated`: severity critical, active again,
   * escalatedAt and notifiedAt now) once it has been open `afterMs`, or seen `repeats` times (0: not by count).
   */
  escalate?: { afterMs: number; repeats: number };
}

export type AckResult = { outcome: 'acknowledged' | 'cleared' | 'unchanged' | 'not-open'; alarm: AlarmRecord } | { outcome: 'not-found' };

export interface AlarmQuery {
  /** `open` is active or acknowledged. */
  state?: AlarmState | 'open';
  deviceId?: string;
  type?: string;
  severity?: AlarmSeverity;
  /** Raised at or after / before. */
  from?: Date;
  to?: Date;
  /** 1..500. */
  limit: number;
  cursor?: string;
}

export interface AlarmPage extends PageTotal {
  alarms: AlarmRecord[];
  nextCursor?: string;
}

/**
 * Alarms. Raise, clear, acknowledge and re-notify are each one atomic
 * operation, so with several processes evaluating the same condition each
 * alarm is raised once and each transition happens once.
 */
export interface AlarmStore {
  /**
   * Raises a new alarm (with `newId`) unless one is open for (deviceId, type): then that one is
   * updated; or, with `reopenWithinMs`, unless the last one cleared that recently: then it reopens.
   */
  raise(input: AlarmRaise, newId: string, options?: RaiseOptions): Promise<RaiseResult>;
  /** Clears the open alarm of (deviceId, type); null when none is open (someone else cleared it). */
  clear(deviceId: string, type: string, at: Date): Promise<AlarmRecord | null>;
  /** Acknowledges an open alarm; with `clear`, acknowledging also clears it (alarms that clear when acknowledged). */
  acknowledge(alarmId: string, by: Actor, at: Date, clear: boolean): Promise<AckResult>;
  get(alarmId: string): Promise<AlarmRecord | null>;
  /** Open alarms (of these devices, when given). One per device and type, so bounded by the fleet. */
  open(deviceIds?: readonly string[]): Promise<AlarmRecord[]>;
  /**
   * Claims a re-notification: if the alarm is acknowledged, critical and was last
   * notified at or before `notifiedBefore`, sets notifiedAt to `at` and returns it.
   * Of several processes asking at once, one gets it.
   */
  claimRenotify(alarmId: string, notifiedBefore: Date, at: Date): Promise<AlarmRecord | null>;
  /** Newest raised first; cleared alarms are kept for the history period. */
  list(query: AlarmQuery): Promise<AlarmPage>;
}

import type { AlarmView } from '../protocol';
import type { AlarmRecord } from '../state/types';

/** The stored record as clients see it: dates as ISO 8601, the re-notify clock left out. */
export function alarmView(a: AlarmRecord): AlarmView {
  return {
    alarmId: a.alarmId,
    deviceId: a.deviceId,
    type: a.type,
    severity: a.severity,
    state: a.state,
    message: a.message,
    value: a.value,
    raisedAt: a.raisedAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    count: a.count,
    ...(a.acknowledgedAt ? { acknowledgedAt: a.acknowledgedAt.toISOString() } : {}),
    ...(a.acknowledgedBy ? { acknowledgedBy: { kind: a.acknowledgedBy.kind, id: a.acknowledgedBy.id } } : {}),
    ...(a.clearedAt ? { clearedAt: a.clearedAt.toISOString() } : {}),
    ...(a.reopenedAt ? { reopenedAt: a.reopenedAt.toISOString(), reopenCount: a.reopenCount ?? 1 } : {}),
    ...(a.escalatedAt ? { escalatedAt: a.escalatedAt.toISOString() } : {}),
  };
}

import type { AlarmQuery, AlarmRecord } from './alarm-types';

/** The listing order: newest raised first, then by ID (descending), as a Redis ZREVRANGEBYSCORE gives them. */
export interface AlarmPosition {
  raisedAtMs: number;
  alarmId: string;
}

export const encodeAlarmCursor = (p: AlarmPosition): string => `${p.raisedAtMs}.${p.alarmId}`;

/** A cursor this store did not write reads as the start of the list, never as an error or a key. */
export function decodeAlarmCursor(cursor: string | undefined): AlarmPosition | undefined {
  const match = cursor ? /^(\d{1,16})\.([A-Za-z0-9-]{1,64})$/.exec(cursor) : null;
  return match ? { raisedAtMs: Number(match[1]), alarmId: match[2]! } : undefined;
}

/** Whether `p` comes after the cursor in listing order. */
export function isAfter(p: AlarmPosition, cursor: AlarmPosition | undefined): boolean {
  if (!cursor) return true;
  return p.raisedAtMs < cursor.raisedAtMs || (p.raisedAtMs === cursor.raisedAtMs && p.alarmId < cursor.alarmId);
}

export function matchesAlarm(q: AlarmQuery, a: AlarmRecord): boolean {
  if (q.state === 'open' ? a.state === 'cleared' : q.state !== undefined && a.state !== q.state) return false;
  if (q.deviceId !== undefined && a.deviceId !== q.deviceId) return false;
  if (q.type !== undefined && a.type !== q.type) return false;
  if (q.severity !== undefined && a.severity !== q.severity) return false;
  const t = a.raisedAt.getTime();
  if (q.from && t < q.from.getTime()) return false;
  if (q.to && t > q.to.getTime()) return false;
  return true;
}

export const positionOf = (a: AlarmRecord): AlarmPosition => ({ raisedAtMs: a.raisedAt.getTime(), alarmId: a.alarmId });

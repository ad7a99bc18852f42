import { decodeOptionalCursor, encodeCursor } from '../domain/cursor';
import type { AlarmQuery, AlarmRecord } from './alarm-types';

/** The listing order: newest raised first, then by ID (descending), as a Redis ZREVRANGEBYSCORE gives them. */
export interface AlarmPosition {
  raisedAtMs: number;
  alarmId: string;
}

/** The cursor (domain/cursor.ts) naming the last alarm of a page. */
export const encodeAlarmCursor = (p: AlarmPosition): string => encodeCursor('alarms', { at: p.raisedAtMs, id: p.alarmId });

/** The position a query's cursor names; DomainError `invalid_cursor` on anything the alarm list did not give out. */
export function decodeAlarmCursor(cursor: string | undefined): AlarmPosition | undefined {
  const position = decodeOptionalCursor('alarms', cursor);
  return position && { raisedAtMs: position.at, alarmId: position.id };
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

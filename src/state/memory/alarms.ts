import type { Actor } from '../../domain/actor';
import {
  newAlarm,
  type AckResult,
  type AlarmPage,
  type AlarmQuery,
  type AlarmRaise,
  type AlarmRecord,
  type AlarmStore,
  type RaiseResult,
} from '../alarm-types';
import { decodeAlarmCursor, encodeAlarmCursor, isAfter, matchesAlarm, positionOf } from '../alarm-query';

const copy = <T>(value: T): T => structuredClone(value);
const openKey = (deviceId: string, type: string) => `${deviceId}\n${type}`;

/** Alarms in this process. No await between read and write, so every operation is atomic. */
export class MemoryAlarmStore implements AlarmStore {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly openIds = new Map<string, string>();

  constructor(private readonly historyMs: number) {}

  async raise(input: AlarmRaise, newId: string): Promise<RaiseResult> {
    const key = openKey(input.deviceId, input.type);
    const current = this.openIds.get(key);
    const open = current ? this.alarms.get(current) : undefined;
    if (open) {
      Object.assign(open, { lastSeenAt: input.at, count: open.count + 1, value: input.value, message: input.message });
      return { outcome: 'updated', alarm: copy(open) };
    }
    const alarm = newAlarm(input, newId);
    this.alarms.set(newId, copy(alarm));
    this.openIds.set(key, newId);
    return { outcome: 'raised', alarm };
  }

  async clear(deviceId: string, type: string, at: Date): Promise<AlarmRecord | null> {
    const key = openKey(deviceId, type);
    const id = this.openIds.get(key);
    const alarm = id ? this.alarms.get(id) : undefined;
    this.openIds.delete(key);
    if (!alarm) return null;
    Object.assign(alarm, { state: 'cleared', clearedAt: at });
    return copy(alarm);
  }

  async acknowledge(alarmId: string, by: Actor, at: Date, clear: boolean): Promise<AckResult> {
    const alarm = this.alarms.get(alarmId);
    if (!alarm) return { outcome: 'not-found' };
    if (alarm.state === 'cleared') return { outcome: 'not-open', alarm: copy(alarm) };
    if (alarm.state === 'acknowledged' && !clear) return { outcome: 'unchanged', alarm: copy(alarm) };
    Object.assign(alarm, { acknowledgedAt: at, acknowledgedBy: copy(by), notifiedAt: at, state: 'acknowledged' });
    if (clear) {
      Object.assign(alarm, { state: 'cleared', clearedAt: at });
      const key = openKey(alarm.deviceId, alarm.type);
      if (this.openIds.get(key) === alarmId) this.openIds.delete(key);
      return { outcome: 'cleared', alarm: copy(alarm) };
    }
    return { outcome: 'acknowledged', alarm: copy(alarm) };
  }

  async get(alarmId: string): Promise<AlarmRecord | null> {
    const alarm = this.alarms.get(alarmId);
    return alarm ? copy(alarm) : null;
  }

  async open(deviceIds?: readonly string[]): Promise<AlarmRecord[]> {
    const wanted = deviceIds ? new Set(deviceIds) : undefined;
    const result: AlarmRecord[] = [];
    for (const id of this.openIds.values()) {
      const alarm = this.alarms.get(id);
      if (alarm && (!wanted || wanted.has(alarm.deviceId))) result.push(copy(alarm));
    }
    return result;
  }

  async claimRenotify(alarmId: string, notifiedBefore: Date, at: Date): Promise<AlarmRecord | null> {
    const alarm = this.alarms.get(alarmId);
    if (!alarm || alarm.state !== 'acknowledged' || alarm.severity !== 'critical') return null;
    if (alarm.notifiedAt.getTime() > notifiedBefore.getTime()) return null;
    alarm.notifiedAt = at;
    return copy(alarm);
  }

  async list(query: AlarmQuery): Promise<AlarmPage> {
    const cursor = decodeAlarmCursor(query.cursor);
    const sorted = [...this.alarms.values()].sort(
      (a, b) => b.raisedAt.getTime() - a.raisedAt.getTime() || (a.alarmId < b.alarmId ? 1 : a.alarmId > b.alarmId ? -1 : 0),
    );
    const matching = sorted.filter((a) => isAfter(positionOf(a), cursor) && matchesAlarm(query, a));
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      alarms: page.map(copy),
      ...(matching.length > query.limit && last ? { nextCursor: encodeAlarmCursor(positionOf(last)) } : {}),
    };
  }

  /** Cleared alarms older than the history period are forgotten. */
  purgeExpired(now = Date.now()): void {
    for (const [id, alarm] of this.alarms) {
      if (alarm.clearedAt && now - alarm.clearedAt.getTime() >= this.historyMs) this.alarms.delete(id);
    }
  }
}

import type { Actor } from '../../domain/actor';
import {
  newAlarm,
  type AckResult,
  type AlarmPage,
  type AlarmQuery,
  type AlarmRaise,
  type AlarmRecord,
  type AlarmStore,
  type RaiseOptions,
  type RaiseResult,
} from '../alarm-types';
import { decodeAlarmCursor, encodeAlarmCursor, isAfter, matchesAlarm, positionOf } from '../alarm-query';

const copy = <T>(value: T): T => structuredClone(value);
const openKey = (deviceId: string, type: string) => `${deviceId}\n${type}`;

/** Alarms in this process. No await between read and write, so every operation is atomic. */
export class MemoryAlarmStore implements AlarmStore {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly openIds = new Map<string, string>();
  /** (deviceId, type) -> the alarm that cleared last, for the reopen dwell. */
  private readonly lastCleared = new Map<string, string>();

  constructor(private readonly historyMs: number) {}

  async raise(input: AlarmRaise, newId: string, options: RaiseOptions = {}): Promise<RaiseResult> {
    const key = openKey(input.deviceId, input.type);
    const current = this.openIds.get(key);
    const open = current ? this.alarms.get(current) : undefined;
    if (open) {
      Object.assign(open, { lastSeenAt: input.at, count: open.count + 1, value: input.value, message: input.message });
      const e = options.escalate;
      const due = e && (input.at.getTime() - open.raisedAt.getTime() >= e.afterMs || (e.repeats > 0 && open.count >= e.repeats));
      if (open.severity !== 'warning' || !due) return { outcome: 'updated', alarm: copy(open) };
      delete open.acknowledgedAt;
      delete open.acknowledgedBy;
      Object.assign(open, { severity: 'critical', state: 'active', escalatedAt: input.at, notifiedAt: input.at });
      return { outcome: 'escalated', alarm: copy(open) };
    }
    if (options.mayOpen === false) return { outcome: 'suppressed' };
    const cleared = this.alarms.get(this.lastCleared.get(key) ?? '');
    const dwell = options.reopenWithinMs ?? 0;
    if (dwell > 0 && cleared?.clearedAt && input.at.getTime() - cleared.clearedAt.getTime() <= dwell) {
      delete cleared.clearedAt;
      delete cleared.acknowledgedAt;
      delete cleared.acknowledgedBy;
      Object.assign(cleared, {
        state: 'active',
        lastSeenAt: input.at,
        count: cleared.count + 1,
        value: input.value,
        message: input.message,
        notifiedAt: input.at,
        reopenedAt: input.at,
        reopenCount: (cleared.reopenCount ?? 0) + 1,
      });
      this.openIds.set(key, cleared.alarmId);
      return { outcome: 'reopened', alarm: copy(cleared) };
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
    this.lastCleared.set(key, alarm.alarmId);
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
      this.lastCleared.set(key, alarmId);
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
      total: sorted.filter((a) => matchesAlarm(query, a)).length,
      totalExact: true,
      ...(matching.length > query.limit && last ? { nextCursor: encodeAlarmCursor(positionOf(last)) } : {}),
    };
  }

  /** Cleared alarms older than the history period are forgotten. */
  purgeExpired(now = Date.now()): void {
    for (const [id, alarm] of this.alarms) {
      if (alarm.clearedAt && now - alarm.clearedAt.getTime() >= this.historyMs) this.alarms.delete(id);
    }
    for (const [key, id] of this.lastCleared) if (!this.alarms.get(id)?.clearedAt) this.lastCleared.delete(key);
  }
}

import type Redis from 'ioredis';
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

/**
 * alarm:{id} -> the record as JSON (a TTL once cleared); alarm_open:{deviceId}:{type} -> the open
 * alarm's ID; alarms:open and alarms:all are sorted sets of IDs by raise time. Every transition is
 * one script, so two processes raising the same alarm make one.
 */
const alarmKey = (id: string) => `alarm:${id}`;
const openKey = (deviceId: string, type: string) => `alarm_open:${deviceId}:${type}`;
/** The alarm of (deviceId, type) that cleared last (TTL: the history period), for the reopen dwell. */
const lastKey = (deviceId: string, type: string) => `alarm_last:${deviceId}:${type}`;
const OPEN = 'alarms:open';
const ALL = 'alarms:all';
/** Entries of the history index read per round while listing, and at most this many per page request. */
const SCAN_CHUNK = 200;
const MAX_SCANNED = 5_000;

// KEYS: open pointer, open set, all set, prefixed 'alarm:' stem, last-cleared pointer. ARGV: new ID,
// new record JSON, at, value JSON, message, score, '1' if it may open one, cleared-since (ISO, '' for no reopening),
// escalate-if-raised-by (ISO, '' for no escalation), escalate-at-count (0: not by count).
// ISO 8601 UTC strings of one format compare as times.
const RAISE = `
local id = redis.call('GET', KEYS[1])
if id then
  local raw = redis.call('GET', KEYS[4] .. id)
  if raw then
    local a = cjson.decode(raw)
    a.lastSeenAt = ARGV[3]
    a.count = a.count + 1
    a.value = cjson.decode(ARGV[4])
    a.message = ARGV[5]
    local outcome = 'updated'
    if a.severity == 'warning' and ARGV[9] ~= '' and (a.raisedAt <= ARGV[9] or (tonumber(ARGV[10]) > 0 and a.count >= tonumber(ARGV[10]))) then
      a.severity = 'critical'
      a.state = 'active'
      a.acknowledgedAt = nil
      a.acknowledgedBy = nil
      a.escalatedAt = ARGV[3]
      a.notifiedAt = ARGV[3]
      outcome = 'escalated'
    end
    local out = cjson.encode(a)
    redis.call('SET', KEYS[4] .. id, out)
    return {outcome, out}
  end
end
if ARGV[7] ~= '1' then return {'suppressed'} end
if ARGV[8] ~= '' then
  local last = redis.call('GET', KEYS[5])
  local raw = last and redis.call('GET', KEYS[4] .. last)
  if raw then
    local a = cjson.decode(raw)
    if a.state == 'cleared' and a.clearedAt and a.clearedAt >= ARGV[8] then
      a.state = 'active'
      a.clearedAt = nil
      a.acknowledgedAt = nil
      a.acknowledgedBy = nil
      a.lastSeenAt = ARGV[3]
      a.notifiedAt = ARGV[3]
      a.reopenedAt = ARGV[3]
      a.reopenCount = (a.reopenCount or 0) + 1
      a.count = a.count + 1
      a.value = cjson.decode(ARGV[4])
      a.message = ARGV[5]
      local out = cjson.encode(a)
      redis.call('SET', KEYS[4] .. last, out)
      redis.call('SET', KEYS[1], last)
      redis.call('ZADD', KEYS[2], redis.call('ZSCORE', KEYS[3], last) or ARGV[6], last)
      return {'reopened', out}
    end
  end
end
redis.call('SET', KEYS[4] .. ARGV[1], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
return {'raised', ARGV[2]}`;

// KEYS: open pointer, open set, 'alarm:' stem, last-cleared pointer. ARGV: at, history seconds.
const CLEAR = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], id)
redis.call('SET', KEYS[4], id, 'EX', ARGV[2])
local raw = redis.call('GET', KEYS[3] .. id)
if not raw then return false end
local a = cjson.decode(raw)
a.state = 'cleared'
a.clearedAt = ARGV[1]
local out = cjson.encode(a)
redis.call('SET', KEYS[3] .. id, out, 'EX', ARGV[2])
return out`;

// KEYS: 'alarm:' stem, open set, 'alarm_open:' stem, 'alarm_last:' stem. ARGV: ID, at, actor JSON, '1' to clear, history seconds.
const ACK = `
local raw = redis.call('GET', KEYS[1] .. ARGV[1])
if not raw then return {'not-found'} end
local a = cjson.decode(raw)
if a.state == 'cleared' then return {'not-open', raw} end
if a.state == 'acknowledged' and ARGV[4] ~= '1' then return {'unchanged', raw} end
a.acknowledgedAt = ARGV[2]
a.acknowledgedBy = cjson.decode(ARGV[3])
a.notifiedAt = ARGV[2]
if ARGV[4] == '1' then
  a.state = 'cleared'
  a.clearedAt = ARGV[2]
  local pointer = KEYS[3] .. a.deviceId .. ':' .. a.type
  if redis.call('GET', pointer) == ARGV[1] then redis.call('DEL', pointer) end
  redis.call('SET', KEYS[4] .. a.deviceId .. ':' .. a.type, ARGV[1], 'EX', ARGV[5])
  redis.call('ZREM', KEYS[2], ARGV[1])
  local out = cjson.encode(a)
  redis.call('SET', KEYS[1] .. ARGV[1], out, 'EX', ARGV[5])
  return {'cleared', out}
end
a.state = 'acknowledged'
local out = cjson.encode(a)
redis.call('SET', KEYS[1] .. ARGV[1], out)
return {'acknowledged', out}`;

// KEYS: the alarm. ARGV: notified-before (ISO), at (ISO). ISO 8601 UTC strings of one format compare as times.
const RENOTIFY = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local a = cjson.decode(raw)
if a.state ~= 'acknowledged' or a.severity ~= 'critical' or a.notifiedAt > ARGV[1] then return false end
a.notifiedAt = ARGV[2]
local out = cjson.encode(a)
redis.call('SET', KEYS[1], out)
return out`;

type StoredAlarm = Omit<
  AlarmRecord,
  'raisedAt' | 'lastSeenAt' | 'acknowledgedAt' | 'clearedAt' | 'notifiedAt' | 'reopenedAt' | 'escalatedAt'
> & {
  reopenedAt?: string;
  escalatedAt?: string;
  raisedAt: string;
  lastSeenAt: string;
  notifiedAt: string;
  acknowledgedAt?: string;
  clearedAt?: string;
};

function encode(a: AlarmRecord): string {
  return JSON.stringify(a);
}

/** A record this store wrote; anything unreadable is skipped like a missing one. */
function decode(raw: string | null | undefined): AlarmRecord | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as StoredAlarm;
    const alarm: AlarmRecord = {
      ...s,
      value: typeof s.value === 'number' ? s.value : null,
      raisedAt: new Date(s.raisedAt),
      lastSeenAt: new Date(s.lastSeenAt),
      notifiedAt: new Date(s.notifiedAt),
      acknowledgedAt: s.acknowledgedAt ? new Date(s.acknowledgedAt) : undefined,
      clearedAt: s.clearedAt ? new Date(s.clearedAt) : undefined,
      reopenedAt: s.reopenedAt ? new Date(s.reopenedAt) : undefined,
      escalatedAt: s.escalatedAt ? new Date(s.escalatedAt) : undefined,
    };
    if (!alarm.reopenedAt) delete alarm.reopenedAt;
    if (!alarm.escalatedAt) delete alarm.escalatedAt;
    if (alarm.reopenCount === undefined) delete alarm.reopenCount;
    if (!alarm.acknowledgedAt) delete alarm.acknowledgedAt;
    if (!alarm.clearedAt) delete alarm.clearedAt;
    if (!alarm.acknowledgedBy) delete alarm.acknowledgedBy;
    return alarm;
  } catch {
    return null;
  }
}

export class RedisAlarmStore implements AlarmStore {
  constructor(
    private readonly redis: Redis,
    private readonly historySeconds: number,
  ) {}

  async raise(input: AlarmRaise, newId: string, options: RaiseOptions = {}): Promise<RaiseResult> {
    const fresh = newAlarm(input, newId);
    const dwell = options.reopenWithinMs ?? 0;
    const [outcome, raw] = (await this.redis.eval(
      RAISE,
      5,
      openKey(input.deviceId, input.type),
      OPEN,
      ALL,
      alarmKey(''),
      lastKey(input.deviceId, input.type),
      newId,
      encode(fresh),
      input.at.toISOString(),
      JSON.stringify(input.value),
      input.message,
      String(input.at.getTime()),
      options.mayOpen === false ? '0' : '1',
      dwell > 0 ? new Date(input.at.getTime() - dwell).toISOString() : '',
      options.escalate ? new Date(input.at.getTime() - options.escalate.afterMs).toISOString() : '',
      String(options.escalate?.repeats ?? 0),
    )) as ['raised' | 'updated' | 'reopened' | 'escalated', string] | ['suppressed'];
    if (outcome === 'suppressed') return { outcome };
    if (outcome === 'raised') void this.pruneHistory();
    return { outcome, alarm: decode(raw) ?? fresh };
  }

  async clear(deviceId: string, type: string, at: Date): Promise<AlarmRecord | null> {
    const raw = (await this.redis.eval(
      CLEAR,
      4,
      openKey(deviceId, type),
      OPEN,
      alarmKey(''),
      lastKey(deviceId, type),
      at.toISOString(),
      String(this.historySeconds),
    )) as string | null;
    return decode(raw);
  }

  async acknowledge(alarmId: string, by: Actor, at: Date, clear: boolean): Promise<AckResult> {
    const [outcome, raw] = (await this.redis.eval(
      ACK,
      4,
      alarmKey(''),
      OPEN,
      openKey('', '').slice(0, -1),
      lastKey('', '').slice(0, -1),
      alarmId,
      at.toISOString(),
      JSON.stringify(by),
      clear ? '1' : '0',
      String(this.historySeconds),
    )) as [AckResult['outcome'], string?];
    const alarm = decode(raw);
    if (outcome === 'not-found' || !alarm) return { outcome: 'not-found' };
    return { outcome, alarm };
  }

  async get(alarmId: string): Promise<AlarmRecord | null> {
    return decode(await this.redis.get(alarmKey(alarmId)));
  }

  async open(deviceIds?: readonly string[]): Promise<AlarmRecord[]> {
    const ids = await this.redis.zrange(OPEN, 0, -1);
    const wanted = deviceIds ? new Set(deviceIds) : undefined;
    return (await this.read(ids)).filter((a): a is AlarmRecord => !!a && a.state !== 'cleared' && (!wanted || wanted.has(a.deviceId)));
  }

  async claimRenotify(alarmId: string, notifiedBefore: Date, at: Date): Promise<AlarmRecord | null> {
    return decode((await this.redis.eval(RENOTIFY, 1, alarmKey(alarmId), notifiedBefore.toISOString(), at.toISOString())) as string | null);
  }

  async list(query: AlarmQuery): Promise<AlarmPage> {
    const cursor = decodeAlarmCursor(query.cursor);
    const max = cursor ? String(cursor.raisedAtMs) : query.to ? String(query.to.getTime()) : '+inf';
    const min = query.from ? String(query.from.getTime()) : '-inf';
    const alarms: AlarmRecord[] = [];
    const narrowed = query.state !== undefined || query.deviceId !== undefined || query.type !== undefined || query.severity !== undefined;
    const total = { total: await this.redis.zcount(ALL, min, query.to ? String(query.to.getTime()) : '+inf'), totalExact: !narrowed };
    let offset = 0;
    let scanned = 0;
    let last: AlarmRecord | undefined;
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(ALL, max, min, 'LIMIT', offset, SCAN_CHUNK);
      offset += ids.length;
      const records = await this.read(ids);
      const gone = ids.filter((_, i) => !records[i]);
      // History entries whose record expired are dropped from the index as they are met.
      if (gone.length > 0) await this.redis.zrem(ALL, ...gone);
      for (const alarm of records) {
        if (!alarm || !isAfter(positionOf(alarm), cursor)) continue;
        scanned++;
        last = alarm;
        if (matchesAlarm(query, alarm)) alarms.push(alarm);
        if (alarms.length >= query.limit || scanned >= MAX_SCANNED) {
          return { alarms, ...total, ...(last ? { nextCursor: encodeAlarmCursor(positionOf(last)) } : {}) };
        }
      }
      if (ids.length < SCAN_CHUNK) return { alarms, ...total };
      // Entries removed above shift later ones down.
      offset -= gone.length;
    }
  }

  private async read(ids: readonly string[]): Promise<Array<AlarmRecord | null>> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map(alarmKey));
    return raws.map(decode);
  }

  /** Drops the oldest history entries whose records expired, a few at a time, so the index stays the size of the history. */
  private async pruneHistory(): Promise<void> {
    try {
      const oldest = await this.redis.zrange(ALL, 0, 19);
      const records = await this.read(oldest);
      const gone = oldest.filter((_, i) => !records[i]);
      if (gone.length > 0) await this.redis.zrem(ALL, ...gone);
    } catch {
      // Pruning is housekeeping: the next raise tries again.
    }
  }
}

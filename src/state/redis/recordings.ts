import type Redis from 'ioredis';
import { decodeJson } from './codec';
import type { RecordingCounts, RecordingPage, RecordingQuery, RecordingRecord, RecordingStore, RecordingSummary } from '../recording-types';
import { PageBytes } from '../page-bytes';
import { RECORDING_STATES, RECORDING_VERDICTS } from '../recording-types';
import {
  MAX_SCANNED_PER_PAGE,
  awaitingSince,
  awaitsFiles,
  decodeRecordingCursor,
  discardedSince,
  emptyCounts,
  encodeRecordingCursor,
  matches,
  orderKey,
  recordingIdOfOrderKey,
  staleSince,
} from '../recording-query';

const recordKey = (id: string) => `recording:${id}`;
/** A record's history, apart from it: lists and exports MGET records only, never this. */
const historyKey = (id: string) => `recording-history:${id}`;
/** Lexically ordered (every score 0) by orderKey: createdAt then recordingId. */
const ORDER_ALL = 'recordings:order';
const orderBySession = (sessionId: string) => `recordings:order:session:${sessionId}`;
const orderByDevice = (deviceId: string) => `recordings:order:device:${deviceId}`;
/** Time queues (score: ms) the periodic jobs read oldest first. */
const VERIFYING = 'recordings:verifying';
const AWAITING = 'recordings:awaiting';
const DISCARDED = 'recordings:discarded';
const STALE = 'recordings:stale';
/** Per device, its records awaiting files (score: createdAt): the per-device cap's count. */
const awaitingOfDevice = (deviceId: string) => `recordings:awaiting:device:${deviceId}`;
const COUNTS = 'recordings:counts';

/**
 * Compare-and-set of one record and its history with its index changes, in one script:
 * the write happens only if the record and its history are still what the caller read
 * (ARGV[1] and ARGV[2], '' for absent), so concurrent updates from several processes
 * retry instead of overwriting each other. ARGV[3] is the record's new JSON and ARGV[4]
 * its history's ('' deletes); then ops of 4 arguments: 'A' k score member (ZADD),
 * 'R' k _ member (ZREM), 'I' k delta field (HINCRBY), where k numbers the index key in
 * KEYS (passed as keys, so the client's prefix applies). KEYS[1] record, KEYS[2] history.
 */
const COMPARE_AND_SET = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
for k = 1, 2 do
  if ARGV[k + 2] == '' then redis.call('DEL', KEYS[k]) else redis.call('SET', KEYS[k], ARGV[k + 2]) end
end
local i = 5
while i <= #ARGV do
  local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
  if op == 'A' then redis.call('ZADD', key, ARGV[i + 2], ARGV[i + 3])
  elseif op == 'R' then redis.call('ZREM', key, ARGV[i + 3])
  elseif op == 'I' then redis.call('HINCRBY', key, ARGV[i + 3], ARGV[i + 2]) end
  i = i + 4
end
return 1`;

/**
 * JSON gives the record's dates back as strings; they are turned into Dates by their place
 * in the record, never by key name anywhere: tags and history details are the client's words.
 */
const TOP_LEVEL_DATES = ['createdAt', 'updatedAt', 'startedAt', 'stoppedAt', 'discardedAt', 'purgedAt'] as const;
const toDate = (v: unknown) => (typeof v === 'string' ? new Date(v) : (v as Date));

function reviveDates(record: RecordingRecord): RecordingRecord {
  const fields = record as unknown as Record<string, unknown>;
  for (const field of TOP_LEVEL_DATES) if (fields[field] !== undefined) fields[field] = toDate(fields[field]);
  if (record.verifyClaim) record.verifyClaim.until = toDate(record.verifyClaim.until);
  if (record.verification) record.verification.verifiedAt = toDate(record.verification.verifiedAt);
  for (const file of Object.values(record.files ?? {})) if (file) file.updatedAt = toDate(file.updatedAt);
  return record;
}

/** A stored record without its history (records written before the history moved to its own key carry it: dropped here). */
function decodeSummary(raw: string | null): RecordingSummary | null {
  const value = decodeJson<RecordingRecord>(raw ?? undefined);
  if (typeof value?.recordingId !== 'string') return null;
  const { history: _inline, ...summary } = reviveDates(value);
  return summary;
}

/** The whole record: its history from its own key, or (written before it had one) from inside the record. */
function decode(raw: string | null, rawHistory: string | null): RecordingRecord | null {
  const value = decodeJson<RecordingRecord>(raw ?? undefined);
  if (typeof value?.recordingId !== 'string') return null;
  const history = decodeJson<RecordingRecord['history']>(rawHistory ?? undefined) ?? value.history ?? [];
  for (const h of history) h.at = toDate(h.at);
  return { ...reviveDates(value), history };
}

interface IndexEntry {
  key: string;
  score: number;
  member: string;
}

/** Where a record appears: its order indexes and the time queues it is waiting in. */
function entries(r: RecordingSummary): IndexEntry[] {
  const member = orderKey(r);
  const out: IndexEntry[] = [
    { key: ORDER_ALL, score: 0, member },
    { key: orderByDevice(r.deviceId), score: 0, member },
  ];
  if (r.sessionId) out.push({ key: orderBySession(r.sessionId), score: 0, member });
  if (r.state === 'verifying') out.push({ key: VERIFYING, score: r.updatedAt.getTime(), member: r.recordingId });
  const awaiting = awaitingSince(r);
  if (awaiting) out.push({ key: AWAITING, score: awaiting.getTime(), member: r.recordingId });
  if (awaitsFiles(r)) out.push({ key: awaitingOfDevice(r.deviceId), score: r.createdAt.getTime(), member: r.recordingId });
  const stale = staleSince(r);
  if (stale) out.push({ key: STALE, score: stale.getTime(), member: r.recordingId });
  const discarded = discardedSince(r);
  if (discarded) out.push({ key: DISCARDED, score: discarded.getTime(), member: r.recordingId });
  return out;
}

function counters(r: RecordingSummary | null): string[] {
  if (!r) return [];
  return [`state:${r.state}`, ...(r.verification ? [`verdict:${r.verification.verdict}`] : [])];
}

export class RedisRecordingStore implements RecordingStore {
  constructor(private readonly redis: Redis) {}

  async get(recordingId: string): Promise<RecordingRecord | null> {
    const [raw, rawHistory] = await this.redis.mget(recordKey(recordingId), historyKey(recordingId));
    return decode(raw ?? null, rawHistory ?? null);
  }

  async update<T>(
    recordingId: string,
    change: (current: RecordingRecord | null) => { next: RecordingRecord | null; result: T },
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const [raw, rawHistory] = await this.redis.mget(recordKey(recordingId), historyKey(recordingId));
      const current = decode(raw ?? null, rawHistory ?? null);
      const { next, result } = change(current);
      if (!next) return result;
      const { history, ...written } = { ...next, recordingId };
      const { keys, ops } = this.ops(current, written);
      const args = [raw ?? '', rawHistory ?? '', JSON.stringify(written), JSON.stringify(history), ...ops];
      if (
        (await this.redis.eval(COMPARE_AND_SET, keys.length + 2, recordKey(recordingId), historyKey(recordingId), ...keys, ...args)) === 1
      )
        return result;
      // Another writer got in between; read again. Contention on one recording is a handful of events at most.
      if (attempt >= 50) throw new Error(`recording ${recordingId}: too many concurrent updates`);
    }
  }

  async remove(recordingId: string, keep?: (current: RecordingRecord) => boolean): Promise<boolean> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const [raw, rawHistory] = await this.redis.mget(recordKey(recordingId), historyKey(recordingId));
      const current = decode(raw ?? null, rawHistory ?? null);
      if (!current || keep?.(current)) return false;
      const { keys, ops } = this.ops(current, null);
      const args = [raw ?? '', rawHistory ?? '', '', '', ...ops];
      if (
        (await this.redis.eval(COMPARE_AND_SET, keys.length + 2, recordKey(recordingId), historyKey(recordingId), ...keys, ...args)) === 1
      )
        return true;
    }
    return false;
  }

  async awaitingFilesOf(deviceId: string): Promise<number> {
    return this.redis.zcard(awaitingOfDevice(deviceId));
  }

  async staleBefore(before: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(STALE, '-inf', `(${before.getTime()}`, 'LIMIT', 0, limit);
  }

  async list(query: RecordingQuery): Promise<RecordingPage> {
    const index = query.sessionId ? orderBySession(query.sessionId) : query.deviceId ? orderByDevice(query.deviceId) : ORDER_ALL;
    let after = decodeRecordingCursor(query.cursor);
    const recordings: RecordingSummary[] = [];
    const bytes = new PageBytes(query.maxBytes);
    const narrowed = Object.entries(query).some(
      ([k, v]) => v !== undefined && !['limit', 'cursor', 'maxBytes', 'sessionId', 'deviceId'].includes(k),
    );
    const total = { total: await this.redis.zcard(index), totalExact: !narrowed && !(query.sessionId && query.deviceId) };
    let scanned = 0;
    const batch = Math.min(500, Math.max(50, query.limit * 2));
    while (scanned < MAX_SCANNED_PER_PAGE) {
      const members = await this.redis.zrevrangebylex(index, after ? `(${after}` : '+', '-', 'LIMIT', 0, batch);
      if (members.length === 0) return { recordings, ...total };
      const raws = await this.redis.mget(members.map((m) => recordKey(recordingIdOfOrderKey(m))));
      for (const [i, member] of members.entries()) {
        scanned++;
        const raw = raws[i] ?? null;
        const record = decodeSummary(raw);
        if (!record || !matches(record, query)) {
          after = member;
          continue;
        }
        // Full in bytes: the page ends before this record (the first always fits), and the next one starts at it.
        if (!bytes.take(raw!.length)) return { recordings, ...total, nextCursor: encodeRecordingCursor(after!) };
        recordings.push(record);
        after = member;
        if (recordings.length === query.limit) return { recordings, ...total, nextCursor: encodeRecordingCursor(member) };
      }
      if (members.length < batch) return { recordings, ...total };
    }
    return { recordings, ...total, ...(after ? { nextCursor: encodeRecordingCursor(after) } : {}) };
  }

  async verifying(limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(VERIFYING, '-inf', '+inf', 'LIMIT', 0, limit);
  }

  async awaitingFilesSince(before: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(AWAITING, '-inf', `(${before.getTime()}`, 'LIMIT', 0, limit);
  }

  async discardedBefore(before: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(DISCARDED, '-inf', `(${before.getTime()}`, 'LIMIT', 0, limit);
  }

  async counts(): Promise<RecordingCounts> {
    const fields = await this.redis.hgetall(COUNTS);
    const counts = emptyCounts();
    for (const s of RECORDING_STATES) counts.byState[s] = Math.max(0, Number(fields[`state:${s}`] ?? 0));
    for (const v of RECORDING_VERDICTS) counts.byVerdict[v] = Math.max(0, Number(fields[`verdict:${v}`] ?? 0));
    return counts;
  }

  /** The index and counter changes from `before` to `after`, as COMPARE_AND_SET ops. */
  private ops(before: RecordingSummary | null, after: RecordingSummary | null): { keys: string[]; ops: string[] } {
    const keys: string[] = [];
    /** KEYS position of an index key (KEYS[1] is the record, KEYS[2] its history). */
    const k = (key: string) => {
      let i = keys.indexOf(key);
      if (i < 0) i = keys.push(key) - 1;
      return String(i + 3);
    };
    const ops: string[] = [];
    const next = after ? entries(after) : [];
    const id = (e: IndexEntry) => `${e.key}\n${e.member}`;
    const kept = new Set(next.map(id));
    for (const e of before ? entries(before) : []) if (!kept.has(id(e))) ops.push('R', k(e.key), '0', e.member);
    for (const e of next) ops.push('A', k(e.key), String(e.score), e.member);
    const was = counters(before);
    const now = counters(after);
    for (const field of was) if (!now.includes(field)) ops.push('I', k(COUNTS), '-1', field);
    for (const field of now) if (!was.includes(field)) ops.push('I', k(COUNTS), '1', field);
    return { keys, ops };
  }
}

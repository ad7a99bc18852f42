import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { Actor } from '../../domain/actor';
import {
  DEFAULT_AUDIT_MAX_ENTRIES_PER_ACTOR,
  DEFAULT_TIMELINE_MAX_ENTRIES,
  DEFAULT_TIMELINE_RETENTION_SECONDS,
  TELEMETRY_HISTORY_MAX_SAMPLES,
  TELEMETRY_HISTORY_SECONDS,
  type StoreTtls,
  type TelemetrySample,
  type TimelineEntry,
  type TimelineEntryInput,
  type TimelineRead,
  type TimelineStore,
  type TimelineStream,
} from '../types';
import { decodeJson } from './codec';
import { AUDIT_STREAM, compareStreamIds, streamKey, streamKeys } from '../stream-ids';

/**
 * Redis Streams: timeline:device:{id}, timeline:audit and
 * telemetry-history:{id}, one JSON field `e` per entry. Each XADD trims by age
 * (MINID: Redis Stream IDs begin with the append time) and the stream is then
 * capped by length (the audit log per actor: AUDIT_ADD) and set to expire after the retention, so a device that
 * left leaves nothing behind. All of an append is one pipeline: one round trip.
 */
const timelineKey = (stream: string) => `timeline:${stream}`;
const historyKey = (deviceId: string) => `telemetry-history:${deviceId}`;
/** One actor's entries in timeline:audit (sorted set of their zero-padded stream IDs), for its own cap. */
const auditActorKey = (actor: Actor) => `timeline:audit-actor:${actor.kind}:${actor.id}`;

/**
 * The audit log is capped per actor, not as a whole: one actor's flood deletes only its own
 * oldest entries (XDEL), never another's. KEYS: timeline:audit, the actor's index. ARGV: MINID
 * (ms), the entry JSON, the actor's cap, the TTL (ms). Answers the entry's stream ID.
 */
const AUDIT_ADD = `
local id = redis.call('XADD', KEYS[1], 'MINID', ARGV[1], '*', 'e', ARGV[2])
local ms, seq = string.match(id, '^(%d+)-(%d+)$')
redis.call('ZADD', KEYS[2], 0, string.format('%015d-%010d', tonumber(ms), tonumber(seq)))
redis.call('ZREMRANGEBYLEX', KEYS[2], '-', '(' .. string.format('%015d', tonumber(ARGV[1])))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  for i, member in ipairs(old) do
    local a, b = string.match(member, '^(%d+)-(%d+)$')
    old[i] = tonumber(a) .. '-' .. tonumber(b)
  end
  redis.call('XDEL', KEYS[1], unpack(old))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return id`;

type Reply = [id: string, fields: string[]];

export class RedisTimelineStore implements TimelineStore {
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  private readonly perActor: number;

  constructor(
    private readonly redis: Redis,
    ttls: StoreTtls,
  ) {
    this.retentionMs = (ttls.timelineRetentionSeconds ?? DEFAULT_TIMELINE_RETENTION_SECONDS) * 1000;
    this.maxEntries = ttls.timelineMaxEntries ?? DEFAULT_TIMELINE_MAX_ENTRIES;
    this.perActor = ttls.auditMaxEntriesPerActor ?? DEFAULT_AUDIT_MAX_ENTRIES_PER_ACTOR;
  }

  async append(entries: readonly TimelineEntryInput[]): Promise<TimelineEntry[]> {
    if (entries.length === 0) return [];
    const minId = String(Date.now() - this.retentionMs);
    const pipeline = this.redis.pipeline();
    const stored = entries.map((input) => {
      const entry = { ...input, uid: randomUUID() };
      const json = JSON.stringify(entry);
      let commands = 0;
      for (const stream of streamKeys(input)) {
        const key = timelineKey(stream);
        if (stream === AUDIT_STREAM && input.actor) {
          pipeline.eval(AUDIT_ADD, 2, key, auditActorKey(input.actor), minId, json, String(this.perActor), String(this.retentionMs));
          commands += 1;
        } else {
          this.add(pipeline, key, minId, this.maxEntries, this.retentionMs, json);
          commands += 3;
        }
      }
      return { entry, commands };
    });
    const replies = (await pipeline.exec()) ?? [];
    let reply = 0;
    return stored.map(({ entry, commands }) => {
      // The first stream's answer (XADD, or the audit script) is the entry's ID.
      const [err, id] = replies[reply] ?? [new Error('no reply')];
      reply += commands;
      if (err) throw err;
      return { ...structuredClone(entry), id: typeof id === 'string' ? id : '0-0' };
    });
  }

  async read(stream: TimelineStream, query: TimelineRead): Promise<TimelineEntry[]> {
    // Nothing comes before the first possible ID, and Redis refuses `(0-0` as an end ('invalid end ID').
    if (query.before !== undefined && compareStreamIds(query.before, '0-1') < 0) return [];
    const oldest = Math.max(Date.now() - this.retentionMs, query.from?.getTime() ?? 0);
    const end = query.before !== undefined ? `(${query.before}` : query.to ? String(query.to.getTime()) : '+';
    const replies = (await this.redis.xrevrange(timelineKey(streamKey(stream)), end, String(oldest), 'COUNT', query.limit)) as Reply[];
    const out: TimelineEntry[] = [];
    for (const [id, fields] of replies) {
      const entry = decodeEntry(fields[1]);
      if (entry && (query.to === undefined || entry.at <= query.to)) out.push({ ...entry, id });
    }
    return out;
  }

  async appendSamples(samples: readonly TelemetrySample[]): Promise<void> {
    if (samples.length === 0) return;
    const historyMs = TELEMETRY_HISTORY_SECONDS * 1000;
    const minId = String(Date.now() - historyMs);
    const pipeline = this.redis.pipeline();
    for (const sample of samples) {
      this.add(pipeline, historyKey(sample.deviceId), minId, TELEMETRY_HISTORY_MAX_SAMPLES, historyMs, JSON.stringify(sample));
    }
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  async samples(deviceId: string, from: Date, to: Date, limit: number): Promise<TelemetrySample[]> {
    const oldest = Math.max(from.getTime(), Date.now() - TELEMETRY_HISTORY_SECONDS * 1000);
    const replies = (await this.redis.xrange(historyKey(deviceId), String(oldest), String(to.getTime()), 'COUNT', limit)) as Reply[];
    const out: TelemetrySample[] = [];
    for (const [, fields] of replies) {
      const sample = decodeJson<{ deviceId: string; at: string; values: TelemetrySample['values'] }>(fields[1]);
      if (sample && typeof sample.at === 'string' && sample.values && typeof sample.values === 'object') {
        out.push({ deviceId, at: new Date(sample.at), values: sample.values });
      }
    }
    return out;
  }

  private add(pipeline: ReturnType<Redis['pipeline']>, key: string, minId: string, maxLen: number, ttlMs: number, json: string): void {
    pipeline.xadd(key, 'MINID', minId, '*', 'e', json);
    pipeline.xtrim(key, 'MAXLEN', maxLen);
    pipeline.pexpire(key, ttlMs);
  }
}

/** JSON written by append; anything corrupt reads as absent. */
function decodeEntry(json: string | undefined): Omit<TimelineEntry, 'id'> | null {
  const raw = decodeJson<Record<string, unknown>>(json);
  if (!raw || typeof raw.kind !== 'string' || typeof raw.at !== 'string' || typeof raw.uid !== 'string' || !Array.isArray(raw.deviceIds)) {
    return null;
  }
  const at = new Date(raw.at);
  if (Number.isNaN(at.getTime())) return null;
  return { ...(raw as unknown as Omit<TimelineEntry, 'id' | 'at'>), at };
}

import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import {
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
import { compareStreamIds, streamKey, streamKeys } from '../stream-ids';

/**
 * Redis Streams: timeline:device:{id}, timeline:audit and
 * telemetry-history:{id}, one JSON field `e` per entry. Each XADD trims by age
 * (MINID: Redis Stream IDs begin with the append time) and the stream is then
 * capped by length and set to expire after the retention, so a device that
 * left leaves nothing behind. All of an append is one pipeline: one round trip.
 */
const timelineKey = (stream: string) => `timeline:${stream}`;
const historyKey = (deviceId: string) => `telemetry-history:${deviceId}`;

type Reply = [id: string, fields: string[]];

export class RedisTimelineStore implements TimelineStore {
  private readonly retentionMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly redis: Redis,
    ttls: StoreTtls,
  ) {
    this.retentionMs = (ttls.timelineRetentionSeconds ?? DEFAULT_TIMELINE_RETENTION_SECONDS) * 1000;
    this.maxEntries = ttls.timelineMaxEntries ?? DEFAULT_TIMELINE_MAX_ENTRIES;
  }

  async append(entries: readonly TimelineEntryInput[]): Promise<TimelineEntry[]> {
    if (entries.length === 0) return [];
    const minId = String(Date.now() - this.retentionMs);
    const pipeline = this.redis.pipeline();
    const stored = entries.map((input) => {
      const entry = { ...input, uid: randomUUID() };
      const json = JSON.stringify(entry);
      const keys = streamKeys(input).map(timelineKey);
      for (const key of keys) this.add(pipeline, key, minId, this.maxEntries, this.retentionMs, json);
      return { entry, streams: keys.length };
    });
    const replies = (await pipeline.exec()) ?? [];
    let reply = 0;
    return stored.map(({ entry, streams }) => {
      // The first stream's XADD answer is the entry's ID; each stream takes three commands.
      const [err, id] = replies[reply] ?? [new Error('no reply')];
      reply += streams * 3;
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

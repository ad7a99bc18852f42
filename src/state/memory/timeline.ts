import { randomUUID } from 'node:crypto';
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
import { AUDIT_STREAM, compareStreamIds, streamKey, streamKeys } from '../stream-ids';

/** Streams (device timelines, telemetry histories) kept at most; the least recently written goes first. */
export const MEMORY_MAX_STREAMS = 5_000;

type Stored = Omit<TimelineEntry, 'id'>;

/** A bounded ring: oldest dropped once full, and anything older than the retention dropped on write and ignored on read. */
class Ring<T extends { id: string; at: Date }> {
  readonly items: T[] = [];
  constructor(private readonly max: number) {}

  push(item: T, oldest: number): void {
    this.items.push(item);
    let drop = Math.max(0, this.items.length - this.max);
    while (drop < this.items.length && this.items[drop]!.at.getTime() < oldest) drop++;
    if (drop > 0) this.items.splice(0, drop);
  }
}

type Item = { id: string; at: Date; entry: Stored };

/**
 * The timeline in this process: one bounded ring per stream, IDs made like
 * Redis Stream IDs (milliseconds, then a sequence, unique across streams), so
 * both stores page alike. The audit log is one ring per actor, each capped on
 * its own, read as their merge: one actor's flood drops only its own entries.
 */
export class MemoryTimelineStore implements TimelineStore {
  private readonly streams = new Map<string, Ring<Item>>();
  private readonly auditByActor = new Map<string, Ring<Item>>();
  private readonly perActor: number;
  private readonly histories = new Map<string, Ring<{ id: string; at: Date; sample: TelemetrySample }>>();
  private readonly retentionMs: number;
  private readonly maxEntries: number;
  private lastMs = 0;
  private seq = 0;

  constructor(
    ttls: StoreTtls,
    private readonly maxStreams = MEMORY_MAX_STREAMS,
  ) {
    this.retentionMs = (ttls.timelineRetentionSeconds ?? DEFAULT_TIMELINE_RETENTION_SECONDS) * 1000;
    this.maxEntries = ttls.timelineMaxEntries ?? DEFAULT_TIMELINE_MAX_ENTRIES;
    this.perActor = ttls.auditMaxEntriesPerActor ?? DEFAULT_AUDIT_MAX_ENTRIES_PER_ACTOR;
  }

  async append(entries: readonly TimelineEntryInput[]): Promise<TimelineEntry[]> {
    const oldest = Date.now() - this.retentionMs;
    return entries.map((input) => {
      const entry: Stored = { ...structuredClone(input), uid: randomUUID() };
      let first: string | undefined;
      for (const key of streamKeys(input)) {
        const id = this.nextId();
        first ??= id;
        const ring =
          key === AUDIT_STREAM && input.actor
            ? this.ring(this.auditByActor, `${input.actor.kind}:${input.actor.id}`, this.perActor)
            : this.ring(this.streams, key, this.maxEntries);
        ring.push({ id, at: new Date(), entry }, oldest);
      }
      return { ...structuredClone(entry), id: first ?? this.nextId() };
    });
  }

  async read(stream: TimelineStream, query: TimelineRead): Promise<TimelineEntry[]> {
    if (stream.kind === 'audit') {
      // Each actor's newest `limit`, merged: the page's entries are among them.
      const merged = [...this.auditByActor.values()].flatMap((ring) => this.newest(ring, query));
      return merged.sort((a, b) => compareStreamIds(b.id, a.id)).slice(0, query.limit);
    }
    const ring = this.streams.get(streamKey(stream));
    return ring ? this.newest(ring, query) : [];
  }

  private newest(ring: Ring<Item>, query: TimelineRead): TimelineEntry[] {
    const oldest = Math.max(Date.now() - this.retentionMs, query.from?.getTime() ?? 0);
    const out: TimelineEntry[] = [];
    for (let i = ring.items.length - 1; i >= 0 && out.length < query.limit; i--) {
      const { id, at, entry } = ring.items[i]!;
      if (at.getTime() < oldest) break;
      if (query.before !== undefined && compareStreamIds(id, query.before) >= 0) continue;
      if (query.to !== undefined && at.getTime() > query.to.getTime()) continue;
      out.push({ ...structuredClone(entry), id });
    }
    return out;
  }

  async appendSamples(samples: readonly TelemetrySample[]): Promise<void> {
    const oldest = Date.now() - TELEMETRY_HISTORY_SECONDS * 1000;
    for (const sample of samples) {
      this.ring(this.histories, sample.deviceId, TELEMETRY_HISTORY_MAX_SAMPLES).push(
        { id: this.nextId(), at: new Date(sample.at), sample: structuredClone(sample) },
        oldest,
      );
    }
  }

  async samples(deviceId: string, from: Date, to: Date, limit: number): Promise<TelemetrySample[]> {
    const oldest = Math.max(from.getTime(), Date.now() - TELEMETRY_HISTORY_SECONDS * 1000);
    return (this.histories.get(deviceId)?.items ?? [])
      .filter(({ at }) => at.getTime() >= oldest && at.getTime() <= to.getTime())
      .slice(0, limit)
      .map(({ sample }) => structuredClone(sample));
  }

  /** Drops streams with nothing left inside the retention, so idle devices' rings do not stay. */
  purgeExpired(): void {
    const now = Date.now();
    const drop = <T extends { at: Date }>(map: Map<string, Ring<T & { id: string }>>, oldest: number) => {
      for (const [key, ring] of map) if ((ring.items.at(-1)?.at.getTime() ?? 0) < oldest) map.delete(key);
    };
    drop(this.streams, now - this.retentionMs);
    drop(this.auditByActor, now - this.retentionMs);
    drop(this.histories, now - TELEMETRY_HISTORY_SECONDS * 1000);
  }

  /** The stream's ring, made most recently written (a Map keeps insertion order), evicting the stalest beyond the cap. */
  private ring<T extends { id: string; at: Date }>(map: Map<string, Ring<T>>, key: string, max: number): Ring<T> {
    let ring = map.get(key);
    if (ring) map.delete(key);
    else ring = new Ring<T>(max);
    map.set(key, ring);
    while (map.size > this.maxStreams) map.delete(map.keys().next().value!);
    return ring;
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }
}

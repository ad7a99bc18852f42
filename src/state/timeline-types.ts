import type { Actor } from '../domain/actor';

/** Values a timeline entry's details may hold: flat, so they print as CSV. */
export type TimelineDetails = Record<string, string | number | boolean | null>;

/** What happened, to which devices, by whom: one entry of the append-only log (docs/AUDIT.md lists every kind). */
export interface TimelineEntryInput {
  at: Date;
  kind: string;
  /** The devices whose timelines show it (one, or none for a session's transitions and operator actions on no device). */
  deviceIds: string[];
  sessionId?: string;
  /** Set on operator actions: they are written to the audit log as well. */
  actor?: Actor;
  outcome?: 'ok' | 'denied' | 'failed';
  details?: TimelineDetails;
}

export interface TimelineEntry extends TimelineEntryInput {
  /** Its position in the stream it was read from ("ms-seq", as Redis Stream IDs): newest has the highest. */
  id: string;
  /** The same for every copy of the entry (one per device timeline and the audit log). */
  uid: string;
}

/** A device's timeline, a session's own entries (its transitions), or the audit log (operator actions). */
export type TimelineStream = { kind: 'device'; deviceId: string } | { kind: 'session'; sessionId: string } | { kind: 'audit' };

export interface TimelineRead {
  /** Entries strictly older than this ID (a previous page's last). */
  before?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** One telemetry sample a minute per device, for the history charts. */
export interface TelemetrySample {
  deviceId: string;
  at: Date;
  values: Record<string, number | boolean | null>;
}

/**
 * The append-only log (device timelines and the audit log) and the telemetry
 * history. Entries older than the retention are trimmed, and each stream is
 * capped by length; appending several entries is one round trip.
 */
export interface TimelineStore {
  /** Appends each entry to its streams (stream-ids.ts streamKeys). Answers them with their IDs (the first stream's). */
  append(entries: readonly TimelineEntryInput[]): Promise<TimelineEntry[]>;
  /** Newest first. */
  read(stream: TimelineStream, query: TimelineRead): Promise<TimelineEntry[]>;
  /** Appends samples; a device's history keeps the last 24 hours. */
  appendSamples(samples: readonly TelemetrySample[]): Promise<void>;
  /** Oldest first, between `from` and `to`. */
  samples(deviceId: string, from: Date, to: Date, limit: number): Promise<TelemetrySample[]>;
}

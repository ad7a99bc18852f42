import { decodeOptionalCursor, encodeCursor, invalidCursor, type CursorList } from '../domain/cursor';
import { compareStreamIds, nextStreamId } from '../state/stream-ids';
import type { TimelineEntry, TimelineStore, TimelineStream } from '../state/types';

export interface MergedQuery {
  cursor?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export type EntryFilter = (entry: TimelineEntry) => boolean;

/** The paged lists a timeline is read as; each has cursors of its own. */
export type TimelineList = Extract<CursorList, 'device-timeline' | 'session-timeline' | 'audit'>;

/** Entries one page reads at most while filtering before it answers what it found (with a cursor to go on). */
const MAX_SCANNED_PER_PAGE = 5_000;

interface Position {
  id: string;
  /** The stream's place in the list: ties of equal IDs in two streams are ordered by it. */
  ord: number;
}

/**
 * A timeline cursor (domain/cursor.ts) holds the entry's stream ID (its ms as the time, its sequence
 * before the dot of the ID) and the stream's place. Checked whole before any of it reaches a store:
 * DomainError `invalid_cursor` on anything this list did not give out, a place beyond its streams included.
 */
function parseCursor(list: TimelineList, cursor: string | undefined, streams: number): Position | undefined {
  const position = decodeOptionalCursor(list, cursor);
  if (!position) return undefined;
  const [seq, ord] = position.id.split('.') as [string, string];
  if (Number(ord) >= streams) throw invalidCursor();
  return { id: `${position.at}-${seq}`, ord: Number(ord) };
}

function cursorOf(list: TimelineList, { id, ord }: Position): string {
  const [ms, seq] = id.split('-') as [string, string];
  return encodeCursor(list, { at: Number(ms), id: `${seq}.${ord}` });
}

const newestFirst = (a: { entry: TimelineEntry; ord: number }, b: { entry: TimelineEntry; ord: number }) =>
  compareStreamIds(b.entry.id, a.entry.id) || b.ord - a.ord;

/**
 * Reads one or several streams (a session's headsets and its own) as one
 * timeline, newest first. Stream IDs come from one clock, so they order
 * entries across streams; the cursor is the last entry's ID and stream.
 */
export class TimelineReader {
  constructor(private readonly store: TimelineStore) {}

  async page(list: TimelineList, streams: readonly TimelineStream[], query: MergedQuery, filter?: EntryFilter) {
    const entries: TimelineEntry[] = [];
    let position = parseCursor(list, query.cursor, streams.length);
    let scanned = 0;
    while (entries.length < query.limit && scanned < MAX_SCANNED_PER_PAGE) {
      const batch = await this.batch(streams, position, query, filter ? Math.max(100, query.limit) : query.limit - entries.length);
      if (batch.length === 0) return { entries };
      for (const { entry, ord } of batch) {
        scanned++;
        position = { id: entry.id, ord };
        if (!filter || filter(entry)) entries.push(entry);
        if (entries.length === query.limit) break;
      }
    }
    return { entries, nextCursor: cursorOf(list, position!) };
  }

  /** Every entry, page by page (CSV export), at most `maxRows`. The cursor is checked at once, before anything is sent. */
  all(
    list: TimelineList,
    streams: readonly TimelineStream[],
    query: Omit<MergedQuery, 'limit'>,
    filter: EntryFilter | undefined,
    maxRows: number,
  ): AsyncIterable<TimelineEntry[]> {
    parseCursor(list, query.cursor, streams.length);
    return this.pages(list, streams, query, filter, maxRows);
  }

  private async *pages(
    list: TimelineList,
    streams: readonly TimelineStream[],
    query: Omit<MergedQuery, 'limit'>,
    filter: EntryFilter | undefined,
    maxRows: number,
  ) {
    let cursor = query.cursor;
    let rows = 0;
    while (rows < maxRows) {
      const page = await this.page(list, streams, { ...query, cursor, limit: Math.min(500, maxRows - rows) }, filter);
      if (page.entries.length > 0) yield page.entries;
      rows += page.entries.length;
      if (!page.nextCursor || page.entries.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  private async batch(streams: readonly TimelineStream[], after: Position | undefined, query: MergedQuery, size: number) {
    const read = await Promise.all(
      streams.map(async (stream, ord) => {
        // Equal IDs in streams of a lower place come after the cursor's entry: read them too.
        const before = after === undefined ? undefined : ord < after.ord ? nextStreamId(after.id) : after.id;
        const entries = await this.store.read(stream, {
          limit: size,
          ...(before !== undefined ? { before } : {}),
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
        });
        return entries.map((entry) => ({ entry, ord }));
      }),
    );
    return read.flat().sort(newestFirst).slice(0, size);
  }
}

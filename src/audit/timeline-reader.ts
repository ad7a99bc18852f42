import { DomainError } from '../domain/errors';
import { compareStreamIds, nextStreamId } from '../state/stream-ids';
import type { TimelineEntry, TimelineStore, TimelineStream } from '../state/types';

export interface MergedQuery {
  cursor?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export type EntryFilter = (entry: TimelineEntry) => boolean;

/** Entries one page reads at most while filtering before it answers what it found (with a cursor to go on). */
const MAX_SCANNED_PER_PAGE = 5_000;
const CURSOR = /^(\d{1,15}-\d{1,15})\.(\d{1,4})$/;

interface Position {
  id: string;
  /** The stream's place in the list: ties of equal IDs in two streams are ordered by it. */
  ord: number;
}

function parseCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  const match = CURSOR.exec(cursor);
  if (!match) throw new DomainError('invalid', 'invalid query: cursor: not a cursor from this API');
  return { id: match[1]!, ord: Number(match[2]) };
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

  async page(streams: readonly TimelineStream[], query: MergedQuery, filter?: EntryFilter) {
    const entries: TimelineEntry[] = [];
    let position = parseCursor(query.cursor);
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
    return { entries, nextCursor: `${position!.id}.${position!.ord}` };
  }

  /** Every entry, page by page (CSV export), at most `maxRows`. */
  async *all(streams: readonly TimelineStream[], query: Omit<MergedQuery, 'limit'>, filter: EntryFilter | undefined, maxRows: number) {
    let cursor = query.cursor;
    let rows = 0;
    while (rows < maxRows) {
      const page = await this.page(streams, { ...query, cursor, limit: Math.min(500, maxRows - rows) }, filter);
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

import { z } from 'zod';
import { DomainError } from './errors';
import { SESSION_ID_PATTERN } from './ids';

/**
 * The one cursor of every paged list. Every list is ordered newest first by a
 * time (epoch ms, or a stream ID's ms) and then by an ID; a cursor names the
 * last item of a page, so the next page starts strictly after it. On the wire
 * it is opaque: base64url (no padding) of `{list tag}|{at}|{id}`. The tag names
 * the list, so one list's cursor is refused by another; each list's ID has its
 * own pattern. Both stores encode and decode through here, so a cursor from one
 * reads the same in the other.
 *
 * Decoding is strict: anything this module did not write (wrong length or
 * alphabet, non-canonical base64, another list's tag, a time out of range, an
 * ID of the wrong form) is a DomainError `invalid_cursor`, which every
 * transport answers as a 400. Nothing undecoded ever reaches a store.
 */

/** A timeline position's ID: the stream entry's sequence number, then the stream's place among those read together. */
const STREAM_PLACE = /^(?:0|[1-9]\d{0,14})\.(?:0|[1-9]\d{0,3})$/;

export const CURSOR_LISTS = {
  sessions: { tag: 'se', id: SESSION_ID_PATTERN },
  // A tablet's commandId, `{batchId}.{deviceId}` of a command to several headsets, or a UUID.
  commands: { tag: 'co', id: /^[A-Za-z0-9_.-]{1,200}$/ },
  recordings: { tag: 're', id: /^[A-Za-z0-9_-]{1,100}$/ },
  alarms: { tag: 'al', id: /^[A-Za-z0-9-]{1,64}$/ },
  'device-timeline': { tag: 'dt', id: STREAM_PLACE },
  'session-timeline': { tag: 'st', id: STREAM_PLACE },
  audit: { tag: 'au', id: STREAM_PLACE },
} as const satisfies Record<string, { tag: string; id: RegExp }>;

export type CursorList = keyof typeof CURSOR_LISTS;

/** Where a page ended: the last item's time (epoch ms) and ID. */
export interface ListPosition {
  at: number;
  id: string;
}

/** The largest time a cursor carries: 15 digits (year 33658), as the stores' padded order keys hold. */
export const MAX_CURSOR_TIME = 999_999_999_999_999;
/** Longer than any cursor encodeCursor makes. */
export const MAX_CURSOR_LENGTH = 300;

export const INVALID_CURSOR_MESSAGE = 'cursor is not one this API gave out';

/** The `cursor` field of every paged list's query: any string reaches decodeCursor, which bounds and checks it. */
export const cursorQuerySchema = z.string().describe("The previous page's `nextCursor`; any other value is refused (invalid_cursor).");

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TEXT = /^([a-z]{2})\|(0|[1-9]\d{0,14})\|(.+)$/;

/** The cursor of `list` positioned at `position`. Throws (a bug, not a client's mistake) on a position no cursor can hold. */
export function encodeCursor(list: CursorList, position: ListPosition): string {
  const { tag, id } = CURSOR_LISTS[list];
  if (!Number.isSafeInteger(position.at) || position.at < 0 || position.at > MAX_CURSOR_TIME || !id.test(position.id)) {
    throw new RangeError(`no ${list} cursor holds ${JSON.stringify(position)}`);
  }
  return Buffer.from(`${tag}|${position.at}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor of `list` names; DomainError `invalid_cursor` on anything else. */
export function decodeCursor(list: CursorList, cursor: string): ListPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalidCursor();
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only the one spelling encodeCursor writes: no stray bits, no invalid UTF-8.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalidCursor();
  const match = TEXT.exec(text);
  const { tag, id } = CURSOR_LISTS[list];
  if (!match || match[1] !== tag || !id.test(match[3]!)) throw invalidCursor();
  const at = Number(match[2]);
  if (at > MAX_CURSOR_TIME) throw invalidCursor();
  return { at, id: match[3]! };
}

/** decodeCursor for an optional query field; an empty one (`?cursor=`) is the first page, as no cursor. */
export const decodeOptionalCursor = (list: CursorList, cursor: string | undefined): ListPosition | undefined =>
  cursor === undefined || cursor === '' ? undefined : decodeCursor(list, cursor);

export const invalidCursor = (): DomainError => new DomainError('invalid_cursor', INVALID_CURSOR_MESSAGE);

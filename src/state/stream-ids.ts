import { decodeOptionalCursor, encodeCursor, type ListPosition } from '../domain/cursor';
import type { TimelineEntryInput, TimelineStream } from './types';

/**
 * Stream IDs ("ms-seq", as Redis Streams make them) and the command list's
 * cursor, shared by both stores so a cursor or ID from one reads the same in the other.
 */

/** Negative when a is older than b. Both must be stream IDs. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** A cursor of the command list (domain/cursor.ts): the last record's issue time and ID. */
export const encodeCommandCursor = (r: { issuedAt: Date; commandId: string }): string =>
  encodeCursor('commands', { at: r.issuedAt.getTime(), id: r.commandId });

/** The position a query's cursor names; DomainError `invalid_cursor` on anything the command list did not give out. */
export const decodeCommandCursor = (cursor: string | undefined): ListPosition | undefined => decodeOptionalCursor('commands', cursor);

/** Newest first, then by ID descending: the order of every command list, in both stores. */
export const commandOrder = (a: { issuedAt: Date; commandId: string }, b: { issuedAt: Date; commandId: string }): number =>
  b.issuedAt.getTime() - a.issuedAt.getTime() || (a.commandId < b.commandId ? 1 : a.commandId > b.commandId ? -1 : 0);

/** Whether a record comes after the cursor in that order. */
export const isAfterCursor = (r: { issuedAt: Date; commandId: string }, c: ListPosition): boolean =>
  r.issuedAt.getTime() < c.at || (r.issuedAt.getTime() === c.at && r.commandId < c.id);

/** The audit log's stream key. */
export const AUDIT_STREAM = 'audit';

export const streamKey = (stream: TimelineStream): string =>
  stream.kind === 'audit' ? 'audit' : stream.kind === 'session' ? `session:${stream.sessionId}` : `device:${stream.deviceId}`;

/**
 * The streams an entry is written to: each of its devices' timelines, or its
 * session's when it names no device (session transitions), and the audit log
 * for an operator action.
 */
export function streamKeys(entry: TimelineEntryInput): string[] {
  const keys = entry.deviceIds.map((deviceId) => streamKey({ kind: 'device', deviceId }));
  if (keys.length === 0 && entry.sessionId !== undefined) keys.push(streamKey({ kind: 'session', sessionId: entry.sessionId }));
  if (entry.actor) keys.push(streamKey({ kind: 'audit' }));
  return keys;
}

/** The ID just after `id`: as an exclusive upper bound it includes `id` itself. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
}

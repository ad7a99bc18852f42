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

/** A cursor of the command list: the last record's issue time and ID. */
export interface CommandCursor {
  at: number;
  commandId: string;
}

export class InvalidCommandCursorError extends Error {
  constructor() {
    super('not a cursor from this API');
  }
}

export const encodeCommandCursor = (c: CommandCursor): string => Buffer.from(`${c.at}|${c.commandId}`).toString('base64url');

export function decodeCommandCursor(cursor: string): CommandCursor {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^(\d{1,15})\|(.{1,200})$/.exec(text);
  if (!match) throw new InvalidCommandCursorError();
  return { at: Number(match[1]), commandId: match[2]! };
}

/** Newest first, then by ID descending: the order of every command list, in both stores. */
export const commandOrder = (a: { issuedAt: Date; commandId: string }, b: { issuedAt: Date; commandId: string }): number =>
  b.issuedAt.getTime() - a.issuedAt.getTime() || (a.commandId < b.commandId ? 1 : a.commandId > b.commandId ? -1 : 0);

/** Whether a record comes after the cursor in that order. */
export const isAfterCursor = (r: { issuedAt: Date; commandId: string }, c: CommandCursor): boolean =>
  r.issuedAt.getTime() < c.at || (r.issuedAt.getTime() === c.at && r.commandId < c.commandId);

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

import { decodeOptionalCursor, encodeCursor, type ListPosition } from '../domain/cursor';
import type { SessionQuery, SessionRecord } from './types';

/**
 * Session pages are ordered newest first by (createdAt, sessionId); the cursor
 * (domain/cursor.ts) names the last session of a page so the next page starts
 * strictly after it.
 */
export const encodeSessionCursor = (session: SessionRecord): string =>
  encodeCursor('sessions', { at: session.createdAt.getTime(), id: session.sessionId });

/** The position a query's cursor names; DomainError `invalid_cursor` on anything the sessions list did not give out. */
export const decodeSessionCursor = (cursor: string | undefined): ListPosition | undefined => decodeOptionalCursor('sessions', cursor);

export function sessionMatches(session: SessionRecord, query: SessionQuery): boolean {
  return (
    (query.status === undefined || session.status === query.status) && (query.tabletId === undefined || session.tabletId === query.tabletId)
  );
}

import type { SessionQuery, SessionRecord } from './types';

/**
 * Session pages are ordered newest first by (createdAt, sessionId); the cursor
 * names the last session of a page so the next page starts strictly after it.
 */
export interface SessionCursor {
  createdAt: number;
  sessionId: string;
}

export function encodeSessionCursor(session: SessionRecord): string {
  return Buffer.from(`${session.createdAt.getTime()}:${session.sessionId}`).toString('base64url');
}

/** Throws InvalidCursorError on anything this module did not produce. */
export function decodeSessionCursor(cursor: string): SessionCursor {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,15}):([a-zA-Z0-9_.-]{1,100})$/.exec(text);
  if (!match) throw new InvalidCursorError();
  return { createdAt: Number(match[1]), sessionId: match[2]! };
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

export function sessionMatches(session: SessionRecord, query: SessionQuery): boolean {
  return (
    (query.status === undefined || session.status === query.status) && (query.tabletId === undefined || session.tabletId === query.tabletId)
  );
}

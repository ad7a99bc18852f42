/**
 * The bucket layout (sessions/{YYYYMMDD_HHMMSS}/recording.mp4 and
 * session_data.npz; client_output/ for processed packages), read back from keys.
 */

export const SESSIONS_PREFIX = 'sessions/';
export const PROCESSED_PREFIX = 'client_output/';

/** The session folder and file name of a key under sessions/, or undefined for any other key. */
export function sessionKeyParts(key: string): { sessionId: string; file: string } | undefined {
  if (!key.startsWith(SESSIONS_PREFIX)) return undefined;
  const rest = key.slice(SESSIONS_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { sessionId: rest.slice(0, slash), file: rest.slice(slash + 1) };
}

/** Lower-case extension without the dot ('mp4'), or '' when the file name has none. */
export function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** 20260206_143052 -> 2026-02-06T14:30:52Z (session folders are named in UTC). */
export function sessionIdToIso(sessionId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(sessionId);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : undefined;
}

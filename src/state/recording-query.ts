import type { RecordingQuery, RecordingRecord, RecordingCounts } from './recording-types';
import { RECORDING_STATES, RECORDING_VERDICTS } from './recording-types';

/**
 * What both stores share about recordings: the order they list in, what a
 * query matches, and which time queues a record sits in. Kept in one place so
 * the memory and Redis stores cannot disagree.
 */

/** Index member: sorts by createdAt, then recordingId; byte order equals time order. */
export function orderKey(record: Pick<RecordingRecord, 'createdAt' | 'recordingId'>): string {
  return `${String(record.createdAt.getTime()).padStart(15, '0')}|${record.recordingId}`;
}

export const recordingIdOfOrderKey = (member: string): string => member.slice(member.indexOf('|') + 1);

/** A cursor is the last order key of the previous page, encoded to stay opaque. */
export const encodeCursor = (member: string): string => Buffer.from(member).toString('base64url');
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const member = Buffer.from(cursor, 'base64url').toString();
  return /^\d{15}\|[A-Za-z0-9_-]{1,100}$/.test(member) ? member : undefined;
}

export function matches(record: RecordingRecord, q: RecordingQuery): boolean {
  if (q.sessionId !== undefined && record.sessionId !== q.sessionId) return false;
  if (q.deviceId !== undefined && record.deviceId !== q.deviceId) return false;
  if (q.state !== undefined && record.state !== q.state) return false;
  if (q.verdict !== undefined && record.verification?.verdict !== q.verdict) return false;
  if (q.decision !== undefined && (record.decision ?? 'none') !== q.decision) return false;
  if (q.tag !== undefined && record.tags[q.tag.key] !== q.tag.value) return false;
  if (q.from !== undefined && record.createdAt < q.from) return false;
  if (q.to !== undefined && record.createdAt > q.to) return false;
  return true;
}

/** The time a record has been waiting for its files since, while it waits. */
export function awaitingSince(record: RecordingRecord): Date | undefined {
  // A recording still under way is not late; one stopped, or whose files started arriving, may become so.
  if (record.state === 'recording') return record.stoppedAt;
  if (record.state === 'uploading') return record.stoppedAt ?? record.createdAt;
  return undefined;
}

export function discardedSince(record: RecordingRecord): Date | undefined {
  return record.decision === 'discard' && record.discardedAt && !record.purgedAt ? record.discardedAt : undefined;
}

export function emptyCounts(): RecordingCounts {
  return {
    byState: Object.fromEntries(RECORDING_STATES.map((s) => [s, 0])) as RecordingCounts['byState'],
    byVerdict: Object.fromEntries(RECORDING_VERDICTS.map((v) => [v, 0])) as RecordingCounts['byVerdict'],
  };
}

/** How many index entries one list call reads at most while a filter skips them. */
export const MAX_SCANNED_PER_PAGE = 5_000;

import { decodeOptionalCursor, encodeCursor } from '../domain/cursor';
import type { RecordingQuery, RecordingRecord, RecordingCounts, RecordingSummary } from './recording-types';
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

/** A cursor (domain/cursor.ts) names the last order key of the previous page: its time and recording ID. */
export const encodeRecordingCursor = (member: string): string =>
  encodeCursor('recordings', { at: Number(member.slice(0, member.indexOf('|'))), id: recordingIdOfOrderKey(member) });

/** The order key a query's cursor names; DomainError `invalid_cursor` on anything the recordings list did not give out. */
export function decodeRecordingCursor(cursor: string | undefined): string | undefined {
  const position = decodeOptionalCursor('recordings', cursor);
  return position && orderKey({ createdAt: new Date(position.at), recordingId: position.id });
}

export function matches(record: RecordingSummary, q: RecordingQuery): boolean {
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
export function awaitingSince(record: RecordingSummary): Date | undefined {
  // A recording still under way is not late; one stopped, or whose files started arriving, may become so.
  if (record.state === 'recording') return record.stoppedAt;
  if (record.state === 'uploading') return record.stoppedAt ?? record.createdAt;
  return undefined;
}

/** A record whose files have not (all) arrived: recording, uploading or incomplete. A headset may hold a bounded number. */
export function awaitsFiles(record: RecordingSummary): boolean {
  return record.state === 'recording' || record.state === 'uploading' || record.state === 'incomplete';
}

/**
 * Since when a record has been left without its files for good, for the retention: an
 * incomplete one since it last changed, and one whose recording never stopped since it started.
 */
export function staleSince(record: RecordingSummary): Date | undefined {
  if (record.state === 'incomplete') return record.updatedAt;
  if (record.state === 'recording' && !record.stoppedAt) return record.updatedAt;
  return undefined;
}

export function discardedSince(record: RecordingSummary): Date | undefined {
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

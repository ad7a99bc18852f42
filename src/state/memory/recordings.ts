import type { RecordingCounts, RecordingPage, RecordingQuery, RecordingRecord, RecordingStore, RecordingSummary } from '../recording-types';
import { PageBytes } from '../page-bytes';
import {
  awaitingSince,
  awaitsFiles,
  staleSince,
  decodeRecordingCursor,
  discardedSince,
  emptyCounts,
  encodeRecordingCursor,
  matches,
  orderKey,
} from '../recording-query';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * Recordings in one process. Updates run synchronously between awaits, so
 * they are atomic here by construction. Listing sorts the kept order keys,
 * which is fine for the single-process deployments this store serves.
 */
export class MemoryRecordingStore implements RecordingStore {
  /** Without their history, which is kept apart (lists never copy it), as in the Redis store. */
  private readonly records = new Map<string, RecordingSummary>();
  private readonly histories = new Map<string, RecordingRecord['history']>();

  async get(recordingId: string): Promise<RecordingRecord | null> {
    return this.whole(recordingId);
  }

  /** Synchronous, so an update reads and writes with no await between (atomic in one process). */
  private whole(recordingId: string): RecordingRecord | null {
    const record = this.records.get(recordingId);
    return record ? copy({ ...record, history: this.histories.get(recordingId) ?? [] }) : null;
  }

  async update<T>(
    recordingId: string,
    change: (current: RecordingRecord | null) => { next: RecordingRecord | null; result: T },
  ): Promise<T> {
    const { next, result } = change(this.whole(recordingId));
    if (next) {
      const { history, ...summary } = copy({ ...next, recordingId });
      this.records.set(recordingId, summary);
      this.histories.set(recordingId, history);
    }
    return result;
  }

  async remove(recordingId: string, keep?: (current: RecordingRecord) => boolean): Promise<boolean> {
    const current = this.whole(recordingId);
    if (!current || keep?.(current)) return false;
    this.histories.delete(recordingId);
    return this.records.delete(recordingId);
  }

  async awaitingFilesOf(deviceId: string): Promise<number> {
    let count = 0;
    for (const r of this.records.values()) if (r.deviceId === deviceId && awaitsFiles(r)) count++;
    return count;
  }

  async staleBefore(before: Date, limit: number): Promise<string[]> {
    return this.oldest(staleSince, before, limit);
  }

  async list(query: RecordingQuery): Promise<RecordingPage> {
    const after = decodeRecordingCursor(query.cursor);
    const ordered = [...this.records.values()]
      .map((r) => ({ member: orderKey(r), record: r }))
      .filter((e) => after === undefined || e.member < after)
      .sort((a, b) => (a.member < b.member ? 1 : -1));
    const recordings: RecordingSummary[] = [];
    const bytes = new PageBytes(query.maxBytes);
    const total = { total: [...this.records.values()].filter((r) => matches(r, query)).length, totalExact: true };
    for (const [i, entry] of ordered.entries()) {
      if (!matches(entry.record, query)) continue;
      // Full in bytes: the page ends after the previous record (the first always fits), the next one starts here.
      if (!bytes.take(JSON.stringify(entry.record).length)) {
        return { recordings, ...total, nextCursor: encodeRecordingCursor(orderKey(recordings.at(-1)!)) };
      }
      recordings.push(copy(entry.record));
      if (recordings.length === query.limit) {
        return { recordings, ...total, ...(i < ordered.length - 1 ? { nextCursor: encodeRecordingCursor(entry.member) } : {}) };
      }
    }
    return { recordings, ...total };
  }

  async verifying(limit: number): Promise<string[]> {
    return this.oldest((r) => (r.state === 'verifying' ? r.updatedAt : undefined), new Date(8.64e15), limit);
  }

  async awaitingFilesSince(before: Date, limit: number): Promise<string[]> {
    return this.oldest(awaitingSince, before, limit);
  }

  async discardedBefore(before: Date, limit: number): Promise<string[]> {
    return this.oldest(discardedSince, before, limit);
  }

  async counts(): Promise<RecordingCounts> {
    const counts = emptyCounts();
    for (const r of this.records.values()) {
      counts.byState[r.state]++;
      if (r.verification) counts.byVerdict[r.verification.verdict]++;
    }
    return counts;
  }

  private oldest(since: (r: RecordingSummary) => Date | undefined, before: Date, limit: number): string[] {
    return [...this.records.values()]
      .map((r) => ({ id: r.recordingId, at: since(r) }))
      .filter((e): e is { id: string; at: Date } => e.at !== undefined && e.at < before)
      .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((e) => e.id);
  }
}

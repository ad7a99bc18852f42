import type { RecordingCounts, RecordingPage, RecordingQuery, RecordingRecord, RecordingStore } from '../recording-types';
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
  private readonly records = new Map<string, RecordingRecord>();

  async get(recordingId: string): Promise<RecordingRecord | null> {
    const record = this.records.get(recordingId);
    return record ? copy(record) : null;
  }

  async update<T>(
    recordingId: string,
    change: (current: RecordingRecord | null) => { next: RecordingRecord | null; result: T },
  ): Promise<T> {
    const current = this.records.get(recordingId);
    const { next, result } = change(current ? copy(current) : null);
    if (next) this.records.set(recordingId, copy({ ...next, recordingId }));
    return result;
  }

  async remove(recordingId: string, keep?: (current: RecordingRecord) => boolean): Promise<boolean> {
    const current = this.records.get(recordingId);
    if (!current || keep?.(copy(current))) return false;
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
    const recordings: RecordingRecord[] = [];
    const total = { total: [...this.records.values()].filter((r) => matches(r, query)).length, totalExact: true };
    for (const [i, entry] of ordered.entries()) {
      if (!matches(entry.record, query)) continue;
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

  private oldest(since: (r: RecordingRecord) => Date | undefined, before: Date, limit: number): string[] {
    return [...this.records.values()]
      .map((r) => ({ id: r.recordingId, at: since(r) }))
      .filter((e): e is { id: string; at: Date } => e.at !== undefined && e.at < before)
      .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((e) => e.id);
  }
}

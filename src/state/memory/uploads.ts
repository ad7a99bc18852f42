import type { InProgressSummary, KeyClaim, StoreTtls, UploadRecord, UploadStore } from '../types';
import { ExpiringMap } from './expiring-map';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * Upload records with the two indexes the Redis store keeps: upload IDs by
 * object key, and in-progress uploads with their start time. Index entries of
 * expired records are dropped on read and on the store's purge.
 */
export class MemoryUploadStore implements UploadStore {
  private readonly uploads = new ExpiringMap<string, UploadRecord>();
  private readonly byKey = new Map<string, Set<string>>();
  /** In-progress upload ID -> start (ms). */
  private readonly inProgress = new Map<string, number>();
  /** Object key -> owner. */
  private readonly claims = new ExpiringMap<string, string>();

  constructor(private readonly ttls: StoreTtls) {}

  // No await between read and write: atomic in one process.
  async claimKey(key: string, owner: string): Promise<KeyClaim> {
    const holder = this.claims.get(key);
    if (holder !== undefined && holder !== owner) return { outcome: 'held', owner: holder };
    this.claims.set(key, owner, this.ttls.uploadSeconds * 1000);
    return { outcome: holder === undefined ? 'claimed' : 'renewed' };
  }

  async releaseKey(key: string, owner: string): Promise<boolean> {
    if (this.claims.get(key) !== owner) return false;
    return this.claims.delete(key);
  }

  async save(upload: UploadRecord): Promise<void> {
    this.uploads.set(upload.uploadId, copy(upload), this.ttls.uploadSeconds * 1000);
    let ids = this.byKey.get(upload.key);
    if (!ids) this.byKey.set(upload.key, (ids = new Set()));
    ids.add(upload.uploadId);
    if (upload.status === 'in-progress') this.inProgress.set(upload.uploadId, upload.startedAt.getTime());
    else this.inProgress.delete(upload.uploadId);
  }

  // Counted and saved with no await in between: atomic in one process.
  async begin(upload: UploadRecord, maxPerDevice: number): Promise<boolean> {
    if (upload.deviceId && this.countOf(upload.deviceId) >= maxPerDevice) return false;
    await this.save(upload);
    return true;
  }

  async inProgressOf(deviceId: string): Promise<number> {
    return this.countOf(deviceId);
  }

  private countOf(deviceId: string): number {
    let count = 0;
    for (const [id] of this.live()) if (this.uploads.get(id)?.deviceId === deviceId) count++;
    return count;
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    const upload = this.uploads.get(uploadId);
    return upload ? copy(upload) : null;
  }

  async onKey(key: string): Promise<UploadRecord[]> {
    const records: UploadRecord[] = [];
    for (const id of this.byKey.get(key) ?? []) {
      const upload = this.uploads.get(id);
      if (upload) records.push(copy(upload));
    }
    return records;
  }

  async inProgressBefore(startedBefore: Date, limit: number): Promise<UploadRecord[]> {
    const cutoff = startedBefore.getTime();
    const stale = [...this.live()].filter(([, startedAt]) => startedAt < cutoff).sort((a, b) => a[1] - b[1]);
    return stale.slice(0, limit).map(([id]) => copy(this.uploads.get(id)!));
  }

  /** Walks only the uploads in progress (a handful), never the completed records. */
  async summary(): Promise<InProgressSummary> {
    let count = 0;
    let oldest: number | undefined;
    for (const [, startedAt] of this.live()) {
      count++;
      if (oldest === undefined || startedAt < oldest) oldest = startedAt;
    }
    return { count, ...(oldest === undefined ? {} : { oldestStartedAt: new Date(oldest) }) };
  }

  async remove(uploadId: string): Promise<void> {
    const upload = this.uploads.get(uploadId);
    this.uploads.delete(uploadId);
    this.inProgress.delete(uploadId);
    if (upload) this.dropFromKey(upload.key, uploadId);
  }

  purgeExpired(): void {
    this.uploads.purgeExpired();
    this.claims.purgeExpired();
    for (const id of this.inProgress.keys()) if (!this.uploads.get(id)) this.inProgress.delete(id);
    for (const [key, ids] of this.byKey) for (const id of ids) if (!this.uploads.get(id)) this.dropFromKey(key, id);
  }

  private *live(): IterableIterator<[string, number]> {
    for (const entry of this.inProgress) if (this.uploads.get(entry[0])) yield entry;
  }

  private dropFromKey(key: string, uploadId: string): void {
    const ids = this.byKey.get(key);
    ids?.delete(uploadId);
    if (ids?.size === 0) this.byKey.delete(key);
  }
}

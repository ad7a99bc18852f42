import type { Logger } from 'pino';
import type { Store } from '../state';
import { isRecordingsKey } from '../domain/layout';
import type { ObjectStorage } from '../storage';
import type { UploadService } from './upload-service';

/** Stale records read per store call. */
const SWEEP_BATCH = 100;

export interface SweepOptions {
  store: Store;
  storage: ObjectStorage;
  service: UploadService;
  logger: Logger;
  expiryHours: number;
}

export interface SweepResult {
  /** Uploads with a record in the store, aborted because they were too old. */
  expired: number;
  /** Uploads storage still held without a record (lost store, crash between steps), aborted. */
  orphaned: number;
  /** Temp files of killed whole-object writes (legacy uploads) the storage deleted. */
  tempFiles: number;
}

/**
 * Aborts multipart uploads older than UPLOAD_EXPIRY_HOURS, so abandoned parts
 * do not pile up in the bucket or under DATA_DIR/.multipart, and has storage
 * delete temp files of killed legacy uploads as old. It walks both the
 * store's records and what storage itself still holds.
 */
export class UploadSweeper {
  private running?: Promise<SweepResult>;

  constructor(private readonly o: SweepOptions) {}

  /** Waits for a pass in flight (the caller schedules passes, once per cluster). */
  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** One pass; overlapping calls share the pass in flight. */
  sweep(now = new Date()): Promise<SweepResult> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: Date): Promise<SweepResult> {
    const cutoff = now.getTime() - this.o.expiryHours * 3600 * 1000;
    const result: SweepResult = { expired: 0, orphaned: 0, tempFiles: 0 };
    try {
      // Oldest first, a batch at a time: each batch is gone from the index once discarded, so the next read moves on.
      // The IDs are kept for this pass so that a storage listing that still shows them does not count them again.
      const discarded = new Set<string>();
      for (;;) {
        const batch = await this.o.store.uploads.inProgressBefore(new Date(cutoff), SWEEP_BATCH);
        for (const record of batch) {
          await this.o.service.discard(record, 'expired', false);
          discarded.add(record.uploadId);
          result.expired++;
        }
        if (batch.length < SWEEP_BATCH) break;
      }
      const { multipart } = this.o.storage;
      for await (const pending of multipart.listMultipartUploads()) {
        // Only keys this server writes (the bucket may hold other tools' uploads), and creates that broke off before naming theirs.
        const ours = isRecordingsKey(pending.key) || pending.key === '';
        if (!ours || discarded.has(pending.uploadId) || pending.initiated.getTime() > cutoff) continue;
        // Only old ones are looked up, one by one: no read of every record.
        if (await this.o.store.uploads.get(pending.uploadId)) continue;
        await multipart.abortMultipartUpload(pending.key, pending.uploadId);
        result.orphaned++;
      }
      result.tempFiles = (await this.o.storage.removeStaleTempFiles?.(new Date(cutoff))) ?? 0;
      // Once per pass, not once per discarded upload.
      await this.o.service.refreshInProgress();
      if (result.expired + result.orphaned + result.tempFiles > 0) this.o.logger.info(result, 'stale uploads aborted');
    } catch (err) {
      this.o.logger.warn({ err }, 'upload sweep failed; will retry on the next interval');
    }
    return result;
  }
}

import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';
import { recordingIdOfKey } from '../domain/layout';
import type { Store } from '../state';

/**
 * A headset holds at most RECORDINGS_AWAITING_FILES_PER_DEVICE records still
 * waiting for their files (recording, uploading or incomplete). Without it, one
 * headset token starting uploads for fresh timestamps made thousands of records
 * in seconds (issue 37). An upload that would open a new record is refused with
 * quota_exceeded; a recording start beyond the cap opens no record (its first
 * upload would, once under the cap). Incomplete records leave after
 * RECORDING_INCOMPLETE_RETENTION (the sweep), which frees their places.
 */
export class RecordQuota {
  constructor(
    private readonly store: Store,
    private readonly maxPerDevice: number,
    private readonly log: Logger,
  ) {}

  /** The uploads feature's start guard: refuses an upload to a recording not yet recorded when the headset is at its cap. */
  async guardUpload(key: string, uploader: { deviceId?: string }): Promise<void> {
    const parsed = recordingIdOfKey(key);
    if (!parsed || !uploader.deviceId) return; // the spec's folders have no record
    if (await this.store.recordings.get(parsed.recordingId)) return; // another file of a record that exists
    if ((await this.store.recordings.awaitingFilesOf(uploader.deviceId)) >= this.maxPerDevice) {
      throw new DomainError(
        'quota_exceeded',
        `this headset already has ${this.maxPerDevice} recordings waiting for their files; finish their uploads first (incomplete ones are removed after RECORDING_INCOMPLETE_RETENTION)`,
      );
    }
  }

  /** Whether a recording start may open a new record for the device. */
  async mayOpen(deviceId: string): Promise<boolean> {
    if ((await this.store.recordings.awaitingFilesOf(deviceId)) < this.maxPerDevice) return true;
    this.log.warn(
      { deviceId, max: this.maxPerDevice },
      'recording start opened no record: the headset has too many records waiting for files',
    );
    return false;
  }
}

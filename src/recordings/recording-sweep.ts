import type { Logger } from 'pino';
import type { Config } from '../config';
import { recordingFileKey } from '../domain/layout';
import type { RecordingRecord, Store } from '../state';
import type { ObjectStorage } from '../storage';
import { entry, SYSTEM, withHistory } from './history';
import type { VerdictNotice } from './verdict-notice';
import { incompleteReasons } from './views';

const SWEEP_BATCH = 100;

export interface RecordingSweepDeps {
  store: Store;
  storage: ObjectStorage;
  log: Logger;
  config: Config['recordings'];
  notice: VerdictNotice;
  now: () => number;
  /** Starts (or joins) the integrity gate on a recording left in state verifying. */
  verify: (recordingId: string) => Promise<void>;
}

export interface SweepResult {
  resumed: number;
  incomplete: number;
  purged: number;
  /** Records removed after RECORDING_INCOMPLETE_RETENTION without their files. */
  expired: number;
}

/**
 * The periodic job (one process of the cluster, under a lease): resumes
 * verifications left by a dead process, marks recordings whose files did not
 * arrive in time incomplete, and deletes the files of old discards. Each step
 * takes a bounded batch; the next run takes the rest.
 */
export class RecordingSweep {
  constructor(private readonly d: RecordingSweepDeps) {}

  async run(): Promise<SweepResult> {
    const now = this.d.now();
    const verifying = await this.d.store.recordings.verifying(SWEEP_BATCH);
    await Promise.all(verifying.map((id) => this.d.verify(id)));
    let incomplete = 0;
    for (const id of await this.d.store.recordings.awaitingFilesSince(new Date(now - this.d.config.uploadDeadlineMs), SWEEP_BATCH)) {
      if (await this.markIncomplete(id, now)) incomplete++;
    }
    let purged = 0;
    for (const id of await this.d.store.recordings.discardedBefore(new Date(now - this.d.config.discardRetentionMs), SWEEP_BATCH)) {
      if (await this.purge(id)) purged++;
    }
    const expired = await this.expire(now);
    return { resumed: verifying.length, incomplete, purged, expired };
  }

  /**
   * Removes records left without their files for RECORDING_INCOMPLETE_RETENTION: incomplete ones
   * (their fail verdict was announced when they became so) and recordings never stopped. Files
   * that did arrive stay in storage; a later upload to the folder opens a new record.
   */
  private async expire(now: number): Promise<number> {
    const cutoff = now - this.d.config.incompleteRetentionMs;
    const stillStale = (r: RecordingRecord) =>
      (r.state === 'incomplete' || (r.state === 'recording' && !r.stoppedAt)) && r.updatedAt.getTime() < cutoff;
    const removed: string[] = [];
    for (const id of await this.d.store.recordings.staleBefore(new Date(cutoff), SWEEP_BATCH)) {
      if (await this.d.store.recordings.remove(id, (current) => !stillStale(current))) removed.push(id);
    }
    if (removed.length > 0) {
      this.d.log.info(
        { count: removed.length, recordingIds: removed.slice(0, 20) },
        'recordings without their files removed after RECORDING_INCOMPLETE_RETENTION',
      );
    }
    return removed.length;
  }

  private async markIncomplete(recordingId: string, now: number): Promise<boolean> {
    const at = new Date(now);
    const record = await this.d.store.recordings.update(recordingId, (c) => {
      if (!c || (c.state !== 'recording' && c.state !== 'uploading')) return { next: null, result: null };
      const next: RecordingRecord = { ...c, state: 'incomplete', updatedAt: at };
      return { next: withHistory(next, entry(at, SYSTEM, 'incomplete', { reasons: incompleteReasons(next) })), result: next };
    });
    if (!record) return false;
    this.d.log.warn({ recordingId }, 'recording incomplete: a file did not arrive in time');
    await this.d.notice.announce(record, 'fail', null, incompleteReasons(record));
    return true;
  }

  /** Deletes a discard's objects, then marks it purged (a crash between the two deletes again: deleting is idempotent). */
  private async purge(recordingId: string): Promise<boolean> {
    const record = await this.d.store.recordings.get(recordingId);
    if (!record || record.decision !== 'discard' || record.purgedAt) return false;
    for (const file of ['video', 'data', 'manifest'] as const) await this.d.storage.deleteObject(recordingFileKey(recordingId, file));
    const at = new Date(this.d.now());
    return this.d.store.recordings.update(recordingId, (c) =>
      c?.decision === 'discard' && !c.purgedAt
        ? { next: withHistory({ ...c, purgedAt: at, updatedAt: at }, entry(at, SYSTEM, 'files deleted after discard')), result: true }
        : { next: null, result: false },
    );
  }
}

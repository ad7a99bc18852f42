import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DomainEventMap, DomainEvents } from '../domain/events';
import { recordingFileKey } from '../domain/layout';
import type { HeldNotices, RecordingRecord, Store } from '../state';
import type { ObjectStorage } from '../storage';
import { filesView, incompleteReasons, toView } from './views';

/** The notice windows' scope for failed verdicts (one window per headset). */
const SCOPE = 'verdicts';
/** Recording IDs a summary names at most (it counts them all). */
export const MAX_SUMMARISED_IDS = 50;
/** Windows a flush takes at once; the next flush takes the rest. */
const FLUSH_BATCH = 100;

export interface VerdictNoticeDeps {
  storage: ObjectStorage;
  events: DomainEvents;
  log: Logger;
  store: Store;
  /** RECORDING_NOTICE_WINDOW_MS; 0 announces every verdict on its own. */
  windowMs: number;
  now: () => number;
}

type Summary = NonNullable<DomainEventMap['recording.verdict']['summary']>;

/**
 * What follows a recording's verdict or curation outside its record: the
 * recording.verdict event (the sessions feature shows it in the session's
 * per-device status; sockets, alarms, webhooks and the audit log hear it) and
 * the manifest.json beside the files. Shared by the integrity gate's conclusion
 * and the sweep's "incomplete", so both tell people the same way.
 *
 * Failed verdicts of one headset are coalesced (issue 37: 1,400 incomplete
 * records became 1,400 notices and webhooks): the first of a window of
 * RECORDING_NOTICE_WINDOW_MS is announced at once; the ones after it are held
 * in the store and announced as one summary when the window ends, naming the
 * latest still failing and counting them all. Only notices are coalesced: every
 * record keeps its own verdict. Passing verdicts are always announced.
 */
export class VerdictNotice {
  constructor(private readonly d: VerdictNoticeDeps) {}

  async announce(record: RecordingRecord, verdict: 'pass' | 'fail', qaScore: number | null, reasons: string[]): Promise<void> {
    if (verdict === 'fail' && this.d.windowMs > 0 && (await this.held(record))) return;
    await this.publish(record, verdict, qaScore, reasons);
  }

  /** Announces the summaries of windows that ended (every process may call it; each summary is taken once). */
  async flush(): Promise<number> {
    if (this.d.windowMs <= 0) return 0;
    const due = await this.d.store.notices.takeDue(SCOPE, new Date(this.d.now()), FLUSH_BATCH);
    for (const held of due) await this.summarise(held);
    return due.length;
  }

  /** manifest.json beside the files, so a copied folder describes itself without this server. */
  async writeManifest(record: RecordingRecord): Promise<void> {
    const body = Buffer.from(JSON.stringify({ manifestVersion: 1, ...toView(record) }, null, 2));
    await this.d.storage
      .putObjectStream(recordingFileKey(record.recordingId, 'manifest'), Readable.from([body]), 'application/json')
      .catch((err: unknown) =>
        this.d.log.warn({ err: (err as Error).message, recordingId: record.recordingId }, 'could not write manifest.json'),
      );
  }

  /** True when a window of the headset is open, so this failure waits for its summary. */
  private async held(record: RecordingRecord): Promise<boolean> {
    try {
      const offer = await this.d.store.notices.offer(
        SCOPE,
        record.deviceId,
        record.recordingId,
        new Date(this.d.now()),
        this.d.windowMs,
        MAX_SUMMARISED_IDS,
      );
      if (offer === 'held') this.d.log.debug({ recordingId: record.recordingId }, 'failed verdict held for the headset’s summary');
      return offer === 'held';
    } catch (err) {
      // Better one notice too many than none.
      this.d.log.warn({ err: (err as Error).message, recordingId: record.recordingId }, 'could not coalesce a verdict; announced alone');
      return false;
    }
  }

  /** One notice for a window's held failures, named after the newest that still fails. */
  private async summarise({ key: deviceId, count, items }: HeldNotices): Promise<void> {
    const summary: Summary = { count, recordingIds: items };
    for (const recordingId of [...items].reverse()) {
      const record = await this.d.store.recordings.get(recordingId);
      if (record?.state === 'rejected' && record.verification) {
        return this.publish(record, 'fail', record.verification.qaScore, record.verification.reasons, summary);
      }
      if (record?.state === 'incomplete') return this.publish(record, 'fail', null, incompleteReasons(record), summary);
    }
    this.d.log.info({ deviceId, count, recordingIds: items }, 'failed verdicts summarised: none of them fails any longer');
  }

  private async publish(
    record: RecordingRecord,
    verdict: 'pass' | 'fail',
    qaScore: number | null,
    reasons: string[],
    summary?: Summary,
  ): Promise<void> {
    if (summary) this.d.log.info({ deviceId: record.deviceId, ...summary }, 'failed verdicts of one headset announced as one summary');
    await this.d.events
      .publish('recording.verdict', {
        recordingId: record.recordingId,
        deviceId: record.deviceId,
        ...(record.sessionId ? { sessionId: record.sessionId } : {}),
        ...(record.tabletId ? { tabletId: record.tabletId } : {}),
        verdict,
        qaScore,
        reasons,
        state: record.state as 'verified' | 'rejected' | 'incomplete',
        files: filesView(record),
        ...(summary ? { summary } : {}),
      })
      .catch((err: unknown) => this.d.log.error({ err, recordingId: record.recordingId }, 'a listener failed on a recording verdict'));
  }
}

import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DomainEvents } from '../domain/events';
import { recordingFileKey } from '../domain/layout';
import type { RecordingRecord } from '../state';
import type { ObjectStorage } from '../storage';
import { filesView, toView } from './views';

export interface VerdictNoticeDeps {
  storage: ObjectStorage;
  events: DomainEvents;
  log: Logger;
}

/**
 * What follows a recording's verdict or curation outside its record: the
 * recording.verdict event (the sessions feature shows it in the session's
 * per-device status) and the manifest.json beside the files. Shared by the integrity gate's conclusion
 * and the sweep's "incomplete", so both tell people the same way.
 */
export class VerdictNotice {
  constructor(private readonly d: VerdictNoticeDeps) {}

  async announce(record: RecordingRecord, verdict: 'pass' | 'fail', qaScore: number | null, reasons: string[]): Promise<void> {
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
      })
      .catch((err: unknown) => this.d.log.error({ err, recordingId: record.recordingId }, 'a listener failed on a recording verdict'));
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
}

import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DomainEvents } from '../domain/events';
import { recordingFileKey } from '../domain/layout';
import type { RecordingRecord, Store } from '../state';
import type { ObjectStorage } from '../storage';
import { filesView, toView } from './views';

export interface VerdictNoticeDeps {
  store: Store;
  storage: ObjectStorage;
  events: DomainEvents;
  log: Logger;
}

/**
 * What follows a recording's verdict or curation outside its record: the
 * recording.verdict event, the session's per-device status, and the
 * manifest.json beside the files. Shared by the integrity gate's conclusion
 * and the sweep's "incomplete", so both tell people the same way.
 */
export class VerdictNotice {
  constructor(private readonly d: VerdictNoticeDeps) {}

  async announce(record: RecordingRecord, verdict: 'pass' | 'fail', qaScore: number | null, reasons: string[]): Promise<void> {
    await this.reflectInSession(record, verdict);
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

  /** The session's per-device status carries the recording's verdict (announced like upload progress). */
  private async reflectInSession(record: RecordingRecord, verdict: 'pass' | 'fail'): Promise<void> {
    if (!record.sessionId) return;
    try {
      const session = await this.d.store.sessions.updateDeviceStatus(record.sessionId, record.deviceId, {
        recordingId: record.recordingId,
        verdict,
      });
      if (session) await this.d.events.publish('session.upload-changed', { session });
    } catch (err) {
      this.d.log.warn(
        { err: (err as Error).message, recordingId: record.recordingId },
        "could not show the verdict in the session's status",
      );
    }
  }
}

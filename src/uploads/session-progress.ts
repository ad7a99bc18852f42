import type { Logger } from 'pino';
import type { DeviceSessionStatus, SessionRecord, Store } from '../state';

export type SessionUploadListener = (session: SessionRecord) => void;

/**
 * Lets a capture session follow its devices' uploads: each device's upload
 * fields are merged atomically (other devices and the recording fields are
 * untouched), a completed session becomes `uploading` while any recording
 * is arriving, and `completed` again once none is. A failure here is logged
 * and never fails the upload itself.
 */
export class SessionProgress {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly onChanged?: SessionUploadListener,
  ) {}

  async update(
    sessionId: string | undefined,
    deviceId: string | undefined,
    status: Pick<DeviceSessionStatus, 'uploadStatus' | 'uploadProgress'>,
  ): Promise<void> {
    if (!sessionId || !deviceId) return;
    try {
      const session = await this.store.sessions.get(sessionId);
      if (!session || !session.deviceIds.includes(deviceId)) return;
      let updated = await this.store.sessions.updateDeviceStatus(sessionId, deviceId, status);
      if (!updated) return;
      const arriving = Object.values(updated.deviceStatuses).some((s) => s.uploadStatus === 'uploading');
      const move = arriving
        ? await this.store.sessions.transition(sessionId, ['completed'], { status: 'uploading' })
        : await this.store.sessions.transition(sessionId, ['uploading'], { status: 'completed' });
      if (move.outcome === 'done') updated = move.session;
      this.onChanged?.(updated);
    } catch (err) {
      this.logger.warn({ err, sessionId, deviceId }, 'could not update the session upload status');
    }
  }
}

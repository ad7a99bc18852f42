import type { Logger } from 'pino';
import type { DeviceSessionStatus, SessionRecord, Store } from '../state';

export type SessionUploadListener = (session: SessionRecord) => void;

/**
 * Lets a capture session's device status follow that device's upload. Only a
 * session that exists and that the device belongs to is touched; a failure
 * here is logged and never fails the upload itself.
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
      const current = session.deviceStatuses[deviceId] ?? {
        isRecording: false,
        frameCount: 0,
        uploadProgress: 0,
        uploadStatus: 'pending' as const,
      };
      const next: SessionRecord = {
        ...session,
        deviceStatuses: { ...session.deviceStatuses, [deviceId]: { ...current, ...status } },
      };
      await this.store.sessions.save(next);
      this.onChanged?.(next);
    } catch (err) {
      this.logger.warn({ err, sessionId, deviceId }, 'could not update the session upload status');
    }
  }
}

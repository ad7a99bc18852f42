import type { Logger } from 'pino';
import type { DomainEvents } from './domain/events';

/**
 * The domain events a lab follows in its logs, at info, from the one place the
 * domain announces them: headsets coming and going, locks, session lifecycle.
 * (Uploads log their own start, completion and abort in uploads/upload-service.ts.)
 * Every field here is a checked ID or a value the server chose.
 * Returns the unsubscribe function.
 */
export function logDomainEvents(events: DomainEvents, logger: Logger): () => void {
  const log = logger.child({ component: 'domain' });
  const unsubscribe = [
    events.on('device.identified', ({ deviceId, connectionId }) => log.info({ deviceId, socketId: connectionId }, 'headset identified')),
    events.on('device.disconnected', ({ deviceId, connectionId }) =>
      log.info({ deviceId, socketId: connectionId }, 'headset disconnected (offline)'),
    ),
    events.on('lock.changed', ({ deviceId, tabletId, change }) => log.info({ deviceId, tabletId }, `device ${change}`)),
    events.on('session.changed', ({ session, change }) =>
      log.info(
        {
          sessionId: session.sessionId,
          tabletId: session.tabletId,
          deviceIds: session.deviceIds,
          status: session.status,
          ...(session.endReason ? { reason: session.endReason } : {}),
        },
        `session ${change}`,
      ),
    ),
    events.on('device.recording-changed', ({ deviceId, isRecording }) =>
      log.info({ deviceId, isRecording }, isRecording ? 'headset recording' : 'headset stopped recording'),
    ),
  ];
  return () => unsubscribe.forEach((off) => off());
}

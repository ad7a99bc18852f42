import type { DomainEvents } from '../domain/events';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { Broadcaster } from '../realtime/broadcaster';
import type { RecordingService } from './recording-service';
import { toView } from './views';

/**
 * tablet-review-recording, and on-recording-verdict to the recording's
 * audiences. The verdict goes to rooms, never to sockets, so with several
 * processes each client hears it once, from whichever process holds its socket.
 */
export function recordingSocket(broadcast: Broadcaster, events: DomainEvents, service: RecordingService): SocketModule {
  const unsubscribe = events.on('recording.verdict', (v) => {
    const to = [rooms.device(v.deviceId ?? ''), rooms.holder(v.deviceId ?? ''), rooms.dashboards];
    if (v.tabletId) to.push(rooms.tablet(v.tabletId));
    broadcast.emit(to, 'on-recording-verdict', {
      recordingId: v.recordingId,
      deviceId: v.deviceId ?? '',
      ...(v.sessionId ? { sessionId: v.sessionId } : {}),
      verdict: v.verdict,
      qaScore: v.qaScore,
      reasons: v.reasons,
      files: v.files ?? {},
      ...(v.summary ? { summary: v.summary } : {}),
    });
  });
  return {
    stop: unsubscribe,
    register(socket, router) {
      // Registered on every connection: the router refuses other roles by the event's spec.
      router.on('tablet-review-recording', async ({ recordingId, ...review }) => {
        const record = await service.review(recordingId, review, { kind: 'tablet', id: tabletIdOf(socket) });
        return { ok: true, recording: toView(record) };
      });
    },
  };
}

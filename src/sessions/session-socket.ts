import { isDomainError, type ErrorCode } from '../domain/errors';
import type { DomainEventMap, DomainEvents } from '../domain/events';
import type { Metrics } from '../metrics';
import type { Broadcaster } from '../realtime/broadcaster';
import type { EventRouter } from '../realtime/event-router';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureSocket } from '../realtime/types';
import type { SessionRecord } from '../state/types';
import type { SessionService, UnavailableDevices } from './session-service';

export interface SessionSocketDeps {
  sessions: SessionService;
  events: DomainEvents;
  broadcast: Broadcaster;
  metrics: Metrics;
}

/**
 * Capture sessions from the tablet, and the news of them: every lifecycle
 * change the service announces (a tablet's request or the server's expiry)
 * and upload progress, delivered to the session's audience.
 */
export function sessionSocket(d: SessionSocketDeps): SocketModule {
  const unsubscribe = [
    d.events.on('session.changed', (change) => announce(d, change)),
    d.events.on('session.upload-changed', async ({ session }) => {
      const [view] = await d.sessions.views([session]);
      if (view) d.broadcast.emit([rooms.tablet(session.tabletId), rooms.dashboards], 'on-session-upload-updated', view);
    }),
  ];
  return {
    register: (socket, router) => registerSessionEvents(router, socket, d.sessions),
    stop: () => unsubscribe.forEach((off) => off()),
  };
}

/** Lifecycle news goes to the session's tablet, its headsets and dashboards. */
const sessionAudience = (s: SessionRecord) => [rooms.tablet(s.tabletId), rooms.dashboards, ...s.deviceIds.map(rooms.device)];

/**
 * The spec's lifecycle events. Every ended session, by its tablet or by expiry,
 * is in turing_session_duration_seconds.
 */
function announce(d: SessionSocketDeps, { session, change, unavailable }: DomainEventMap['session.changed']): void {
  const { sessionId } = session;
  const to = sessionAudience(session);
  switch (change) {
    case 'created':
      d.metrics.sessionsCreated.inc();
      return d.broadcast.emit(to, 'on-session-created', {
        sessionId,
        deviceIds: session.deviceIds,
        ...(unavailable && unavailable.length > 0 ? { unavailable } : {}),
      });
    case 'started':
      return d.broadcast.emit(to, 'on-session-started', { sessionId, startedAt: session.startedAt!.toISOString() });
    case 'paused':
      return d.broadcast.emit(to, 'on-session-paused', { sessionId });
    case 'ended': {
      const duration = d.sessions.durationSeconds(session);
      d.metrics.sessionDuration.observe(duration);
      const ended = { sessionId, endedAt: session.endedAt!.toISOString(), duration };
      return d.broadcast.emit(to, 'on-session-ended', session.endReason ? { ...ended, reason: session.endReason } : ended);
    }
  }
}

/** The refusals a tablet also hears as on-session-error (not outages or malformed requests). */
const SESSION_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['conflict', 'not_found', 'forbidden']);

function registerSessionEvents(router: EventRouter, socket: CaptureSocket, sessions: SessionService): void {
  const tabletId = tabletIdOf(socket);

  /** The spec's on-session-error accompanies every refusal of a session request (the router answers the ack). */
  const reportingRefusals = async <T>(sessionId: string | undefined, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (isDomainError(err) && SESSION_REFUSALS.has(err.code)) {
        const { unavailable } = (err.details ?? {}) as Partial<UnavailableDevices>;
        router.reply('on-session-error', {
          error: err.message,
          ...(sessionId ? { sessionId } : {}),
          ...(unavailable ? { unavailable } : {}),
        });
      }
      throw err;
    }
  };

  router.on('tablet-create-session', async ({ deviceIds, metadata }) => {
    const { session, unavailable } = await reportingRefusals(undefined, () => sessions.create(tabletId, socket.id, deviceIds, metadata));
    return { ok: true, sessionId: session.sessionId, deviceIds: session.deviceIds, ...(unavailable.length > 0 ? { unavailable } : {}) };
  });

  router.on('tablet-start-session', async (sessionId) => {
    const { session, ...commands } = await reportingRefusals(sessionId, () => sessions.start(tabletId, sessionId));
    return { ok: true, sessionId, startedAt: session.startedAt!.toISOString(), ...commands };
  });

  router.on('tablet-pause-session', async (sessionId) => {
    const { session: _, ...commands } = await reportingRefusals(sessionId, () => sessions.pause(tabletId, sessionId));
    return { ok: true, sessionId, ...commands };
  });

  router.on('tablet-end-session', async (sessionId) => {
    const { session, ...commands } = await reportingRefusals(sessionId, () => sessions.end(tabletId, sessionId));
    return { ok: true, sessionId, endedAt: session.endedAt!.toISOString(), duration: sessions.durationSeconds(session), ...commands };
  });

  router.on('tablet-get-session', async (sessionId) => {
    const session = await reportingRefusals(sessionId, () => sessions.get(tabletId, sessionId));
    const [view] = await sessions.views([session]);
    if (!view) throw new Error(`no view of session ${sessionId}`);
    router.reply('on-session-status', view);
    return { ok: true, session: view };
  });

  router.on('tablet-get-active-session', async () => {
    const active = await sessions.active(tabletId);
    const view = active ? (await sessions.views([active]))[0]! : null;
    router.reply('on-active-session', view);
    return { ok: true, session: view };
  });
}

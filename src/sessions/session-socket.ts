import { isDomainError, type ErrorCode } from '../domain/errors';
import type { UnavailableDevices } from './session-service';
import type { SessionRecord } from '../state/types';
import type { RealtimeContext } from '../realtime/context';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import { sendRecordingCommands } from '../commands/recording-control';
import { rooms } from '../realtime/rooms';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureSocket } from '../realtime/types';

export interface SessionSocketOptions {
  /** How often sessions left running past SESSION_EXPIRY_MS are looked for. */
  cleanupIntervalMs: number;
  /** The cleanup runs on one process of the cluster at a time. */
  lease: TaskLease;
}

/**
 * Capture sessions from the tablet, and the news of them: lifecycle events,
 * expiry by the server, and upload progress.
 */
export function sessionSocket(ctx: RealtimeContext, options: SessionSocketOptions): SocketModule {
  const { sessions, notifier, logger } = ctx;
  // Sessions left running for longer than SESSION_EXPIRY_MS are ended; their tablet is told.
  const cleanup = new PeriodicTask(
    'session-cleanup',
    options.cleanupIntervalMs,
    async () => {
      // Logged by the event log (session.changed), like every other ending.
      for (const s of await sessions.expireStale()) announceEnded(ctx, s, 'expired');
    },
    logger,
    options.lease,
  ).start();
  const unsubscribe = ctx.events.on('session.upload-changed', async ({ session }) => {
    try {
      const [view] = await sessions.views([session]);
      if (view) notifier.emit([rooms.tablet(session.tabletId), rooms.dashboards], 'on-session-upload-updated', view);
    } catch (err) {
      logger.warn({ err: (err as Error).message, sessionId: session.sessionId }, 'could not announce upload progress');
    }
  });
  return {
    register: (socket, router) => registerSessionEvents(router, socket, ctx),
    stop() {
      cleanup.stop();
      unsubscribe();
    },
  };
}

/**
 * Tells the session's audience it ended and records its duration: every ended
 * session, by its tablet or by expiry, is in turing_session_duration_seconds.
 */
function announceEnded(ctx: RealtimeContext, session: SessionRecord, reason?: 'expired') {
  const duration = ctx.sessions.durationSeconds(session);
  ctx.metrics.sessionDuration.observe(duration);
  const ended = { sessionId: session.sessionId, endedAt: session.endedAt!.toISOString(), duration };
  ctx.notifier.emit(sessionAudience(session), 'on-session-ended', reason ? { ...ended, reason } : ended);
  return ended;
}

/** Lifecycle news goes to the session's tablet, its headsets and dashboards. */
const sessionAudience = (s: SessionRecord) => [rooms.tablet(s.tabletId), rooms.dashboards, ...s.deviceIds.map(rooms.device)];

/** The refusals a tablet also hears as on-session-error (not outages or malformed requests). */
const SESSION_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['conflict', 'not_found', 'forbidden']);

function registerSessionEvents(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const { sessions, notifier, metrics } = ctx;
  const tabletId = tabletIdOf(socket);

  const audience = sessionAudience;

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
    metrics.sessionsCreated.inc();
    const payload = {
      sessionId: session.sessionId,
      deviceIds: session.deviceIds,
      ...(unavailable.length > 0 ? { unavailable } : {}),
    };
    notifier.emit(audience(session), 'on-session-created', payload);
    return { ok: true, ...payload };
  });

  router.on('tablet-start-session', async (sessionId) => {
    const session = await reportingRefusals(sessionId, () => sessions.start(tabletId, sessionId));
    const startedAt = session.startedAt!.toISOString();
    const commands = await sendRecordingCommands(ctx, tabletId, session.deviceIds, 'start', { sessionId });
    notifier.emit(audience(session), 'on-session-started', { sessionId, startedAt });
    return { ok: true, sessionId, startedAt, ...commands };
  });

  router.on('tablet-pause-session', async (sessionId) => {
    const session = await reportingRefusals(sessionId, () => sessions.pause(tabletId, sessionId));
    const commands = await sendRecordingCommands(ctx, tabletId, session.deviceIds, 'stop', { sessionId });
    notifier.emit(audience(session), 'on-session-paused', { sessionId });
    return { ok: true, sessionId, ...commands };
  });

  router.on('tablet-end-session', async (sessionId) => {
    const { before, session } = await reportingRefusals(sessionId, async () => {
      const before = await sessions.get(tabletId, sessionId);
      return { before, session: await sessions.end(tabletId, sessionId) };
    });
    // Only a running session has headsets to stop.
    const commands =
      before.status === 'recording'
        ? await sendRecordingCommands(ctx, tabletId, session.deviceIds, 'stop', { sessionId })
        : { sent: [], denied: [], commands: [] };
    const { endedAt, duration } = announceEnded(ctx, session);
    return { ok: true, sessionId, endedAt, duration, ...commands };
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

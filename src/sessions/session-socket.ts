import type { SessionResult } from './session-service';
import type { SessionRecord } from '../state/types';
import type { RealtimeContext } from '../realtime/context';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import { sendRecordingCommands } from '../locks/recording-control';
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
      for (const s of await sessions.expireStale()) {
        const to = [rooms.tablet(s.tabletId), rooms.dashboards, ...s.deviceIds.map(rooms.device)];
        const ended = { sessionId: s.sessionId, endedAt: s.endedAt!.toISOString(), duration: sessions.durationSeconds(s) };
        notifier.emit(to, 'on-session-ended', { ...ended, reason: 'expired' });
        logger.info({ sessionId: s.sessionId }, 'expired session ended');
      }
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

function registerSessionEvents(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext): void {
  const { sessions, notifier, metrics } = ctx;
  const tabletId = tabletIdOf(socket);

  /** Lifecycle news goes to the tablet, the session's headsets and dashboards. */
  const audience = (s: SessionRecord) => [rooms.tablet(tabletId), rooms.dashboards, ...s.deviceIds.map(rooms.device)];

  const fail = (result: Extract<SessionResult, { ok: false }>, sessionId?: string) => {
    socket.emit('on-session-error', {
      error: result.error,
      ...(sessionId ? { sessionId } : {}),
      ...(result.unavailable ? { unavailable: result.unavailable } : {}),
    });
    return { ok: false as const, error: result.error };
  };

  router.on('tablet-create-session', async ({ deviceIds, metadata }) => {
    const result = await sessions.create(tabletId, socket.id, deviceIds, metadata);
    if (!result.ok) return fail(result);
    const { session, unavailable } = result;
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
    const result = await sessions.start(tabletId, sessionId);
    if (!result.ok) return fail(result, sessionId);
    const startedAt = result.session.startedAt!.toISOString();
    const commands = await sendRecordingCommands(ctx, tabletId, result.session.deviceIds, 'start');
    notifier.emit(audience(result.session), 'on-session-started', { sessionId, startedAt });
    return { ok: true, sessionId, startedAt, ...commands };
  });

  router.on('tablet-pause-session', async (sessionId) => {
    const result = await sessions.pause(tabletId, sessionId);
    if (!result.ok) return fail(result, sessionId);
    const commands = await sendRecordingCommands(ctx, tabletId, result.session.deviceIds, 'stop');
    notifier.emit(audience(result.session), 'on-session-paused', { sessionId });
    return { ok: true, sessionId, ...commands };
  });

  router.on('tablet-end-session', async (sessionId) => {
    const before = await sessions.get(tabletId, sessionId);
    const result = await sessions.end(tabletId, sessionId);
    if (!result.ok) return fail(result, sessionId);
    const duration = sessions.durationSeconds(result.session);
    metrics.sessionDuration.observe(duration);
    // Only a running session has headsets to stop.
    const commands =
      before.ok && before.session.status === 'recording'
        ? await sendRecordingCommands(ctx, tabletId, result.session.deviceIds, 'stop')
        : { sent: [], denied: [] };
    const endedAt = result.session.endedAt!.toISOString();
    notifier.emit(audience(result.session), 'on-session-ended', { sessionId, endedAt, duration });
    return { ok: true, sessionId, endedAt, duration, ...commands };
  });

  router.on('tablet-get-session', async (sessionId) => {
    const result = await sessions.get(tabletId, sessionId);
    if (!result.ok) return fail(result, sessionId);
    const [view] = await sessions.views([result.session]);
    if (!view) throw new Error(`no view of session ${sessionId}`);
    socket.emit('on-session-status', view);
    return { ok: true, session: view };
  });

  router.on('tablet-get-active-session', async () => {
    const active = await sessions.active(tabletId);
    const view = active ? (await sessions.views([active]))[0]! : null;
    socket.emit('on-active-session', view);
    return { ok: true, session: view };
  });
}

import type { FeatureFactory } from '../feature/feature';
import { PeriodicTask } from '../util/periodic-task';
import { registerSessionGauges } from './session-gauges';
import { sessionRouteDocs, sessionRoutes } from './session-routes';
import { SessionService } from './session-service';
import { sweepSessions } from './session-sweep';
import { sessionSocket } from './session-socket';
import './events';

export { SessionService, type SessionUploads, type UploadProgress } from './session-service';
export type { SessionAnswer, SessionListAnswer, SessionListQuery } from './session-routes';

declare module '../feature/services' {
  interface FeatureServices {
    /** Capture sessions: their lifecycle, views and upload progress. */
    sessions: SessionService;
  }
}

/**
 * Capture sessions: a tablet groups the headsets it holds into a session and
 * starts, pauses and ends it (commanding its headsets); sessions left running
 * past SESSION_EXPIRY_MS are ended by the server; /api/sessions.
 */
export const sessions: FeatureFactory = (ctx) => {
  const { config, events, logger } = ctx;
  const alarms = ctx.services.get('alarms');
  const service = new SessionService({
    store: ctx.store,
    locks: ctx.services.get('locks'),
    commands: ctx.services.get('recordingCommands'),
    events,
    maxPerTablet: config.limits.sessionsPerTablet,
    // Every socket is in a room of its own ID, on whichever process holds it.
    isConnected: async (connectionId) => (await ctx.io.in(connectionId).fetchSockets()).length > 0,
    logger,
    maxSpreadMs: config.clock.maxSpreadMs,
    // Each headset of a synchronized start that started too far apart from the others gets start_spread.
    startSpread: async ({ sessionId }, { deviceIds, spreadMs }) => {
      const message = `session ${sessionId}: its headsets started ${spreadMs.toFixed(1)} ms apart (more than ${config.clock.maxSpreadMs} ms)`;
      for (const id of deviceIds) await alarms.raise(id, 'start_spread', spreadMs, message);
    },
  });
  // Sessions left running for longer than SESSION_EXPIRY_MS, and orphans, are ended; their audience is told (session.changed).
  const expiry = new PeriodicTask(
    'session-cleanup',
    config.timing.sessionCleanupIntervalMs,
    async () => void (await sweepSessions({ store: ctx.store, sessions: service, expiryMs: config.timing.sessionExpiryMs, logger })),
    logger.child({ component: 'realtime' }),
    ctx.lease,
  );
  const log = logger.child({ component: 'domain' });
  const unsubscribe = events.on('session.changed', ({ session, change }) =>
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
  );
  return {
    name: 'sessions',
    provides: { sessions: service },
    routes: sessionRoutes(ctx.auth, service, ctx.store, ctx.config.limits.pageMaxBytes),
    routeDocs: sessionRouteDocs,
    sockets: [sessionSocket({ sessions: service, events, broadcast: ctx.broadcast, metrics: ctx.metrics })],
    registerGauges: (registry) => registerSessionGauges(registry, service),
    tasks: [expiry],
    stop: unsubscribe,
  };
};

import type { FeatureFactory } from '../feature/feature';
import { rooms } from '../realtime/rooms';
import { PeriodicTask } from '../util/periodic-task';
import { LockNotices } from './lock-notices';
import { lockRecovery, sweepOrphanedTablets } from './lock-recovery';
import { LockService } from './lock-service';
import { lockRouteDocs, lockRoutes } from './lock-routes';
import { lockSocket } from './lock-socket';
import { watching } from '../realtime/watching';
import type { LocksContext } from './locks-context';
import { TabletPresence } from './tablet-presence';
import './events';

export { LockService } from './lock-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Exclusive control of headsets by tablets. */
    locks: LockService;
  }
}

/**
 * Exclusive control: tablets lock and release headsets; locks are refreshed
 * while a tablet is connected, kept through a short absence (LOCK_GRACE_MS),
 * released when it stays away, and restored when the store lost them.
 */
export const locks: FeatureFactory = (ctx) => {
  const { config, events, broadcast, metrics } = ctx;
  const logger = ctx.logger.child({ component: 'realtime' });
  const service = new LockService(ctx.store, events);
  const notices = new LockNotices(broadcast, service, ctx.services.get('fleet'), logger);
  const locksCtx: LocksContext = { locks: service, notices, broadcast, metrics, logger };
  const tablets = new TabletPresence(
    locksCtx,
    {
      graceMs: config.timing.lockGraceMs,
      // Well inside the lock's TTL, so a long session never loses its locks.
      refreshIntervalMs: Math.max(1_000, Math.floor((config.ttl.lockSeconds * 1000) / 4)),
    },
    logger,
  );
  ctx.recovery.add('locks', lockRecovery(locksCtx));
  const orphanSweep = new PeriodicTask(
    'orphan-tablet-sweep',
    config.timing.orphanSweepIntervalMs,
    async () => void (await sweepOrphanedTablets(locksCtx, tablets)),
    logger,
    ctx.lease,
  );
  const log = ctx.logger.child({ component: 'domain' });
  const unsubscribe = [
    events.on('lock.changed', ({ deviceId, tabletId, change }) => log.info({ deviceId, tabletId }, `device ${change}`)),
    // The tablet holding a headset that went offline is told, so the operator knows why the preview stopped.
    events.on('device.disconnected', async ({ deviceId }) => {
      const holder = await service.holderOf(deviceId);
      if (holder) broadcast.emit(rooms.tablet(holder), 'on-device-disconnected', { deviceId });
    }),
  ];
  const isTabletConnected = async (tabletId: string) => (await ctx.io.in(rooms.tablet(tabletId)).fetchSockets()).length > 0;
  const releaseAsOperator = lockRoutes(ctx.auth, async (deviceId, by, force) => {
    const { tabletId, connected } = await service.releaseAsOperator(deviceId, by, force, isTabletConnected);
    // As when the grace period ends: the tablet stops following the headset and is told.
    watching.lockReleased(ctx.io, tabletId, deviceId);
    broadcast.emit(rooms.tablet(tabletId), 'on-all-devices-unlocked', { unlocked: [deviceId] });
    notices.locksChanged();
    return { ok: true as const, deviceId, releasedFrom: tabletId, tabletConnected: connected };
  });
  return {
    name: 'locks',
    provides: { locks: service },
    routes: releaseAsOperator,
    routeDocs: lockRouteDocs,
    sockets: [tablets, lockSocket(locksCtx)],
    tasks: [orphanSweep],
    stop() {
      notices.stop();
      unsubscribe.forEach((off) => off());
    },
  };
};

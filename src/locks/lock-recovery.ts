import { rooms } from '../realtime/rooms';
import type { RecoveryCheck } from '../realtime/store-recovery';
import { mayBeTablet, tabletIdOf } from '../realtime/tablet-identity';
import { watching } from '../realtime/watching';
import type { LocksContext } from './locks-context';
import type { TabletPresence } from './tablet-presence';

const HOLDER_PREFIX = rooms.holder('');

/**
 * Locks this process's tablet sockets follow (their holder rooms) that the
 * store lost are taken again; one another tablet took meanwhile is given up
 * here, and the tablet told (`on-device-unlocked`). Run by realtime/store-recovery.ts.
 */
export function lockRecovery(ctx: LocksContext): RecoveryCheck {
  return async (sockets) => {
    const followed = new Map<string, { tabletId: string; deviceId: string }>();
    for (const socket of sockets) {
      if (!mayBeTablet(socket)) continue;
      const tabletId = tabletIdOf(socket);
      for (const room of socket.rooms) {
        if (!room.startsWith(HOLDER_PREFIX)) continue;
        const deviceId = room.slice(HOLDER_PREFIX.length);
        followed.set(`${tabletId}\n${deviceId}`, { tabletId, deviceId });
      }
    }
    let changed = 0;
    for (const lock of followed.values()) {
      const outcome = await ctx.locks.reassert(lock.tabletId, lock.deviceId);
      if (outcome === 'acquired') changed++;
      if (outcome !== 'held') continue;
      watching.lockReleased(ctx.broadcast.io, lock.tabletId, lock.deviceId);
      ctx.broadcast.emit(rooms.tablet(lock.tabletId), 'on-device-unlocked', { deviceId: lock.deviceId });
      changed++;
    }
    if (changed > 0) ctx.notices.locksChanged();
    return changed;
  };
}

/**
 * Tablets holding locks with no connection anywhere in the cluster (their
 * process died) enter the lock grace period, as if they had disconnected. If
 * a process does not answer the socket query in time, the sweep is skipped.
 */
export async function sweepOrphanedTablets(ctx: LocksContext, tablets: TabletPresence): Promise<string[]> {
  const sockets = await ctx.broadcast.io.fetchSockets();
  const liveTablets = new Set(sockets.filter(mayBeTablet).map(tabletIdOf));
  const missing = new Set<string>();
  for (const status of await ctx.locks.statuses()) {
    if (status.isLocked && status.lockedByTabletId && !liveTablets.has(status.lockedByTabletId)) missing.add(status.lockedByTabletId);
  }
  for (const tabletId of missing) tablets.tabletMissing(tabletId);
  if (missing.size > 0) ctx.logger.info({ tablets: missing.size }, 'tablets of a lost process entered their lock grace period');
  return [...missing];
}

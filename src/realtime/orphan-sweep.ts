import type { RealtimeContext } from './context';
import { headsetGone } from '../fleet/headset-socket';
import { mayBeTablet, tabletIdOf } from './tablet-identity';
import type { TabletPresence } from '../locks/tablet-presence';
import type { CaptureIo } from './types';

/**
 * Finds what a dead process left behind: headsets still marked online whose
 * socket exists nowhere in the cluster, and tablets holding locks with no
 * connection anywhere. The first go offline (and their tablet is told); the
 * second enter the lock grace period, as if they had disconnected.
 *
 * A device is only treated as orphaned once silent for `graceMs`, so one that
 * identified while the socket list was being gathered is never caught. If a
 * process does not answer the socket query in time, the sweep is skipped.
 */
export async function sweepOrphans(
  io: CaptureIo,
  ctx: RealtimeContext,
  tablets: TabletPresence,
  graceMs: number,
): Promise<{ offline: string[]; tablets: string[] }> {
  const sockets = await io.fetchSockets();
  const liveSockets = new Set(sockets.map((s) => s.id));
  const liveTablets = new Set(sockets.filter(mayBeTablet).map(tabletIdOf));
  const now = Date.now();
  const offline: string[] = [];
  const missingTablets = new Set<string>();
  for (const { record, lock } of await ctx.devices.snapshots({ telemetry: false })) {
    if (record.isOnline && !liveSockets.has(record.socketId) && now - record.lastSeen.getTime() >= graceMs) {
      await headsetGone(record.deviceId, record.socketId, ctx);
      offline.push(record.deviceId);
    }
    if (lock && !liveTablets.has(lock.tabletId)) missingTablets.add(lock.tabletId);
  }
  for (const tabletId of missingTablets) tablets.tabletMissing(tabletId);
  if (offline.length > 0 || missingTablets.size > 0) {
    ctx.logger.info({ offline: offline.length, tablets: missingTablets.size }, 'cleaned up after connections lost with a process');
  }
  return { offline, tablets: [...missingTablets] };
}

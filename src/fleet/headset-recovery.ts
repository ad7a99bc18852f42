import type { RecoveryCheck } from '../realtime/store-recovery';
import type { FleetContext } from './fleet-context';
import { headsetGone } from './headset-socket';

/**
 * Identified headsets on this process whose device record the store lost are
 * registered again (realtime/store-recovery.ts runs it).
 */
export function headsetRecovery(ctx: FleetContext): RecoveryCheck {
  return async (sockets) => {
    const identified = sockets.filter((socket) => socket.data.identifiedDeviceId !== undefined);
    // One existence check for all of them: this runs every interval on every process.
    const registered = await ctx.devices.registered(identified.map((socket) => socket.data.identifiedDeviceId!));
    let restored = 0;
    for (const socket of identified) {
      const deviceId = socket.data.identifiedDeviceId!;
      if (registered.has(deviceId)) continue;
      await ctx.devices.identify(deviceId, socket.id);
      ctx.presence.note(deviceId, 'online');
      ctx.notifier.presenceChanged(deviceId, 'online', new Date());
      restored++;
    }
    if (restored > 0) ctx.notifier.headsetListsChanged();
    return restored;
  };
}

/**
 * Headsets still marked online whose socket exists nowhere in the cluster (a
 * process died) go offline, and their tablet is told. A device is only treated
 * as orphaned once silent for `graceMs`, so one that identified while the socket
 * list was being gathered is never caught. If a process does not answer the
 * socket query in time, the sweep is skipped.
 */
export async function sweepOrphanedHeadsets(ctx: FleetContext, graceMs: number): Promise<string[]> {
  const sockets = await ctx.broadcast.io.fetchSockets();
  const liveSockets = new Set(sockets.map((s) => s.id));
  const now = Date.now();
  const offline: string[] = [];
  for (const record of await ctx.devices.records()) {
    if (record.isOnline && !liveSockets.has(record.socketId) && now - record.lastSeen.getTime() >= graceMs) {
      await headsetGone(record.deviceId, record.socketId, ctx);
      offline.push(record.deviceId);
    }
  }
  if (offline.length > 0) ctx.logger.info({ offline: offline.length }, 'headsets of a lost process marked offline');
  return offline;
}

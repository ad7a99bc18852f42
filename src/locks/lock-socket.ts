import type { LockOutcome } from './lock-service';
import { INVALID_DEVICE_ID } from '../protocol/client-payloads';
import type { RealtimeContext } from '../realtime/context';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { rooms } from '../realtime/rooms';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureIo, CaptureSocket } from '../realtime/types';
import { watching } from '../realtime/watching';

/** Locking and releasing headsets. */
export function lockSocket(ctx: RealtimeContext, io: CaptureIo): SocketModule {
  return { register: (socket, router) => registerLockEvents(router, socket, ctx, io) };
}

function registerLockEvents(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext, io: CaptureIo): void {
  const { locks, notifier, metrics } = ctx;
  const tabletId = tabletIdOf(socket);
  const toTablet = rooms.tablet(tabletId);

  const followLock = (deviceId: string) => watching.lockTaken(io, tabletId, deviceId);
  const dropLock = (deviceId: string) => watching.lockReleased(io, tabletId, deviceId);

  /** A malformed ID (null) is refused with its reason; it is never echoed back, so its deviceId is ''. */
  const lockOne = async (deviceId: string | null): Promise<LockOutcome> => {
    if (deviceId === null) return { ok: false, deviceId: '', reason: INVALID_DEVICE_ID };
    const outcome = await locks.lock(tabletId, deviceId);
    if (outcome.ok) followLock(deviceId);
    return outcome;
  };

  router.on('tablet-lock-device', async (deviceId) => {
    const outcome = await lockOne(deviceId);
    metrics.lockOperations.inc({ operation: 'lock', success: String(outcome.ok) });
    if (!outcome.ok) {
      notifier.emit(toTablet, 'on-device-lock-failed', { deviceId: outcome.deviceId, reason: outcome.reason });
      return { ok: false, error: outcome.reason };
    }
    notifier.emit(toTablet, 'on-device-locked', { deviceId: outcome.deviceId });
    if (!outcome.refreshed) notifier.locksChanged();
    return { ok: true, deviceId: outcome.deviceId, refreshed: outcome.refreshed };
  });

  router.on('tablet-lock-devices', async (deviceIds) => {
    const outcomes = await Promise.all([...new Set(deviceIds)].map(lockOne));
    const locked = outcomes.filter((o) => o.ok).map((o) => o.deviceId);
    const failures = outcomes.filter((o): o is Extract<LockOutcome, { ok: false }> => !o.ok);
    const reasons = Object.fromEntries(failures.map((f) => [f.deviceId, f.reason]));
    metrics.lockOperations.inc({ operation: 'lock_batch', success: String(failures.length === 0) });
    const payload = { locked, failed: failures.map((f) => f.deviceId), reasons };
    notifier.emit(toTablet, 'on-devices-locked', payload);
    if (locked.length > 0) notifier.locksChanged();
    return { ok: true, ...payload };
  });

  router.on('tablet-unlock-device', async (deviceId) => {
    if (deviceId === null) return { ok: false, error: INVALID_DEVICE_ID };
    const outcome = await locks.unlock(tabletId, deviceId);
    metrics.lockOperations.inc({ operation: 'unlock', success: String(outcome.ok) });
    if (!outcome.ok) return { ok: false, error: outcome.reason };
    dropLock(deviceId);
    notifier.emit(toTablet, 'on-device-unlocked', { deviceId });
    notifier.locksChanged();
    return { ok: true, deviceId };
  });

  router.on('tablet-unlock-all-devices', async () => {
    const unlocked = await locks.unlockAll(tabletId);
    metrics.lockOperations.inc({ operation: 'unlock_all', success: 'true' });
    for (const id of unlocked) dropLock(id);
    notifier.emit(toTablet, 'on-all-devices-unlocked', { unlocked });
    if (unlocked.length > 0) notifier.locksChanged();
    return { ok: true, unlocked };
  });
}

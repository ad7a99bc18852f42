import { DomainError, isDomainError } from '../domain/errors';
import { INVALID_DEVICE_ID } from '../protocol/client-payloads';
import type { LocksContext } from './locks-context';
import type { EventRouter } from '../realtime/event-router';
import type { SocketModule } from '../realtime/socket-module';
import { rooms } from '../realtime/rooms';
import { tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureSocket } from '../realtime/types';
import { watching } from '../realtime/watching';

/** Locking and releasing headsets. */
export function lockSocket(ctx: LocksContext): SocketModule {
  return { register: (socket, router) => registerLockEvents(router, socket, ctx) };
}

/** A refusal of this request (as opposed to the store being unreachable). */
const isRefusal = (err: unknown): err is DomainError => isDomainError(err) && err.code !== 'store_unavailable';

function registerLockEvents(router: EventRouter, socket: CaptureSocket, ctx: LocksContext): void {
  const { locks, notices, broadcast, metrics } = ctx;
  const { io } = broadcast;
  const tabletId = tabletIdOf(socket);
  const toTablet = rooms.tablet(tabletId);

  const followLock = (deviceId: string) => watching.lockTaken(io, tabletId, deviceId);
  const dropLock = (deviceId: string) => watching.lockReleased(io, tabletId, deviceId);

  /** A malformed ID (null) is refused with its reason; it is never echoed back. */
  const lockOne = async (deviceId: string | null) => {
    if (deviceId === null) throw new DomainError('invalid', INVALID_DEVICE_ID);
    const { refreshed } = await locks.lock(tabletId, deviceId);
    followLock(deviceId);
    return refreshed;
  };

  router.on('tablet-lock-device', async (deviceId) => {
    let refreshed: boolean;
    try {
      refreshed = await lockOne(deviceId);
    } catch (err) {
      metrics.lockOperations.inc({ operation: 'lock', success: 'false' });
      if (isRefusal(err)) broadcast.emit(toTablet, 'on-device-lock-failed', { deviceId: deviceId ?? '', reason: err.message });
      throw err;
    }
    metrics.lockOperations.inc({ operation: 'lock', success: 'true' });
    broadcast.emit(toTablet, 'on-device-locked', { deviceId: deviceId! });
    if (!refreshed) notices.locksChanged();
    return { ok: true, deviceId: deviceId!, refreshed };
  });

  router.on('tablet-lock-devices', async (deviceIds) => {
    // Each device is answered on its own, in the order asked: a refusal of one does not fail the others (an outage does).
    const answers = await Promise.all(
      [...new Set(deviceIds)].map(async (deviceId) => {
        try {
          await lockOne(deviceId);
          return { deviceId: deviceId!, refusal: undefined };
        } catch (err) {
          if (!isRefusal(err)) throw err;
          return { deviceId: deviceId ?? '', refusal: err.message };
        }
      }),
    );
    const locked = answers.filter((a) => a.refusal === undefined).map((a) => a.deviceId);
    const refused = answers.flatMap((a) => (a.refusal === undefined ? [] : [{ deviceId: a.deviceId, reason: a.refusal }]));
    const failed = refused.map((a) => a.deviceId);
    const reasons = Object.fromEntries(refused.map((a) => [a.deviceId, a.reason]));
    metrics.lockOperations.inc({ operation: 'lock_batch', success: String(failed.length === 0) });
    const payload = { locked, failed, reasons };
    broadcast.emit(toTablet, 'on-devices-locked', payload);
    if (locked.length > 0) notices.locksChanged();
    return { ok: true, ...payload };
  });

  router.on('tablet-unlock-device', async (deviceId) => {
    if (deviceId === null) throw new DomainError('invalid', INVALID_DEVICE_ID);
    try {
      await locks.unlock(tabletId, deviceId);
    } catch (err) {
      metrics.lockOperations.inc({ operation: 'unlock', success: 'false' });
      throw err;
    }
    metrics.lockOperations.inc({ operation: 'unlock', success: 'true' });
    dropLock(deviceId);
    broadcast.emit(toTablet, 'on-device-unlocked', { deviceId });
    notices.locksChanged();
    return { ok: true, deviceId };
  });

  router.on('tablet-unlock-all-devices', async () => {
    const unlocked = await locks.unlockAll(tabletId);
    metrics.lockOperations.inc({ operation: 'unlock_all', success: 'true' });
    for (const id of unlocked) dropLock(id);
    broadcast.emit(toTablet, 'on-all-devices-unlocked', { unlocked });
    if (unlocked.length > 0) notices.locksChanged();
    return { ok: true, unlocked };
  });
}

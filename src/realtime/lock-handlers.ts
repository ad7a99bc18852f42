import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../auth';
import { MAX_LOCK_BATCH, type LockOutcome } from '../fleet/lock-service';
import type { RealtimeContext } from './context';
import { none, one, type EventRouter } from './event-router';
import { rooms } from './rooms';
import { tabletIdOf } from './tablet-identity';
import type { CaptureIo, CaptureSocket } from './types';
import { watching } from './watching';

const INVALID_ID = 'invalid device ID: expected 1-64 characters of a-z, A-Z, 0-9, _ or -';
const anyId = one(z.unknown());
const idList = one(
  z.array(z.unknown()).max(MAX_LOCK_BATCH, { message: `at most ${MAX_LOCK_BATCH} device IDs per request` }),
);

/** Untrusted IDs are echoed back only when well-formed. */
const shown = (raw: unknown): string => (typeof raw === 'string' && DEVICE_ID_PATTERN.test(raw) ? raw : '');

export function registerLockHandlers(router: EventRouter, socket: CaptureSocket, ctx: RealtimeContext, io: CaptureIo): void {
  const { locks, notifier, metrics } = ctx;
  const tablet = ['tablet'] as const;
  const tabletId = tabletIdOf(socket);
  const toTablet = rooms.tablet(tabletId);

  const followLock = (deviceId: string) => watching.lockTaken(io, tabletId, deviceId);
  const dropLock = (deviceId: string) => watching.lockReleased(io, tabletId, deviceId);

  const lockOne = async (raw: unknown): Promise<LockOutcome> => {
    if (typeof raw !== 'string' || !DEVICE_ID_PATTERN.test(raw)) return { ok: false, deviceId: shown(raw), reason: INVALID_ID };
    const outcome = await locks.lock(tabletId, raw);
    if (outcome.ok) followLock(raw);
    return outcome;
  };

  router.on('tablet-lock-device', { roles: tablet, args: anyId }, async (raw) => {
    const outcome = await lockOne(raw);
    metrics.lockOperations.inc({ operation: 'lock', success: String(outcome.ok) });
    if (!outcome.ok) {
      notifier.emit(toTablet, 'on-device-lock-failed', { deviceId: outcome.deviceId, reason: outcome.reason });
      return { ok: false, error: outcome.reason };
    }
    notifier.emit(toTablet, 'on-device-locked', { deviceId: outcome.deviceId });
    if (!outcome.refreshed) notifier.locksChanged();
    return { ok: true, deviceId: outcome.deviceId, refreshed: outcome.refreshed };
  });

  router.on('tablet-lock-devices', { roles: tablet, args: idList }, async (rawIds) => {
    const outcomes = await Promise.all([...new Set(rawIds)].map(lockOne));
    const locked = outcomes.filter((o) => o.ok).map((o) => o.deviceId);
    const failures = outcomes.filter((o): o is Extract<LockOutcome, { ok: false }> => !o.ok);
    const reasons = Object.fromEntries(failures.map((f) => [f.deviceId, f.reason]));
    metrics.lockOperations.inc({ operation: 'lock_batch', success: String(failures.length === 0) });
    const payload = { locked, failed: failures.map((f) => f.deviceId), reasons };
    notifier.emit(toTablet, 'on-devices-locked', payload);
    if (locked.length > 0) notifier.locksChanged();
    return { ok: true, ...payload };
  });

  router.on('tablet-unlock-device', { roles: tablet, args: anyId }, async (raw) => {
    if (typeof raw !== 'string' || !DEVICE_ID_PATTERN.test(raw)) return { ok: false, error: INVALID_ID };
    const outcome = await locks.unlock(tabletId, raw);
    metrics.lockOperations.inc({ operation: 'unlock', success: String(outcome.ok) });
    if (!outcome.ok) return { ok: false, error: outcome.reason };
    dropLock(raw);
    notifier.emit(toTablet, 'on-device-unlocked', { deviceId: raw });
    notifier.locksChanged();
    return { ok: true, deviceId: raw };
  });

  router.on('tablet-unlock-all-devices', { roles: tablet, args: none }, async () => {
    const unlocked = await locks.unlockAll(tabletId);
    metrics.lockOperations.inc({ operation: 'unlock_all', success: 'true' });
    for (const id of unlocked) dropLock(id);
    notifier.emit(toTablet, 'on-all-devices-unlocked', { unlocked });
    if (unlocked.length > 0) notifier.locksChanged();
    return { ok: true, unlocked };
  });
}

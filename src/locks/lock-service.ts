import type { Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { DeviceLockStatus } from '../protocol';
import type { AcquireResult, Store } from '../state/types';
import { DomainEvents } from '../domain/events';

/**
 * Exclusive control of headsets by tablets. A lock belongs to the tablet's
 * device ID (not a socket), so a tablet that reconnects keeps it; the store
 * makes acquire and release atomic across processes.
 */
export class LockService {
  constructor(
    private readonly store: Store,
    private readonly events: DomainEvents = new DomainEvents(),
  ) {}

  /**
   * Locks a known, online device for the tablet; the owner re-locking
   * refreshes the TTL. Resolves with whether it was a refresh.
   */
  async lock(tabletId: string, deviceId: string): Promise<{ refreshed: boolean }> {
    const device = await this.store.devices.get(deviceId);
    if (!device) throw new DomainError('unknown_device', `device ${deviceId} is unknown (it has never connected)`);
    if (!device.isOnline) throw new DomainError('device_offline', `device ${deviceId} is offline`);
    const result = await this.store.locks.acquire(deviceId, tabletId);
    if (result.outcome === 'held') throw new DomainError('lock_held', `device ${deviceId} is locked by another tablet (${result.holder})`);
    if (result.outcome === 'acquired') await this.events.publish('lock.changed', { deviceId, tabletId, change: 'locked' });
    return { refreshed: result.outcome === 'refreshed' };
  }

  /** Releases only the tablet's own lock. */
  async unlock(tabletId: string, deviceId: string): Promise<void> {
    if (await this.store.locks.release(deviceId, tabletId)) {
      await this.events.publish('lock.changed', { deviceId, tabletId, change: 'unlocked' });
      return;
    }
    const holder = await this.store.locks.get(deviceId);
    if (holder) throw new DomainError('lock_held', `device ${deviceId} is locked by another tablet (${holder.tabletId})`);
    throw new DomainError('conflict', `device ${deviceId} is not locked`);
  }

  /**
   * An operator releases whichever tablet holds the device: refused while that tablet is connected unless
   * `force`. Answers which tablet lost it, and whether it was connected.
   */
  async releaseAsOperator(
    deviceId: string,
    by: Actor,
    force: boolean,
    isTabletConnected: (tabletId: string) => Promise<boolean>,
  ): Promise<{ tabletId: string; connected: boolean }> {
    const holder = await this.store.locks.get(deviceId);
    if (!holder) throw new DomainError('conflict', `device ${deviceId} is not locked`);
    const connected = await isTabletConnected(holder.tabletId);
    if (connected && !force) {
      throw new DomainError(
        'lock_held',
        `tablet ${holder.tabletId} holds ${deviceId} and is connected: ask its operator, or release with force`,
      );
    }
    if (!(await this.store.locks.release(deviceId, holder.tabletId))) throw new DomainError('conflict', `device ${deviceId} is not locked`);
    await this.events.publish('lock.changed', { deviceId, tabletId: holder.tabletId, change: 'unlocked', by });
    return { tabletId: holder.tabletId, connected };
  }

  async unlockAll(tabletId: string): Promise<string[]> {
    const held = await this.store.locks.heldBy(tabletId);
    const released = await Promise.all(held.map(async (id) => ((await this.store.locks.release(id, tabletId)) ? id : null)));
    const unlocked = released.filter((id): id is string => id !== null);
    for (const deviceId of unlocked) await this.events.publish('lock.changed', { deviceId, tabletId, change: 'unlocked' });
    return unlocked;
  }

  /** Re-acquires every lock the tablet holds, pushing their expiry out by a full TTL. */
  async refreshAll(tabletId: string): Promise<string[]> {
    const held = await this.store.locks.heldBy(tabletId);
    const results = await Promise.all(held.map((id) => this.store.locks.acquire(id, tabletId)));
    return held.filter((_, i) => results[i]!.outcome !== 'held');
  }

  /**
   * Takes the lock again for a tablet that followed it when the store lost it
   * (see realtime/store-recovery.ts): no device checks, since the device record
   * may be gone too; 'held' when another tablet has it now.
   */
  async reassert(tabletId: string, deviceId: string): Promise<AcquireResult['outcome']> {
    return (await this.store.locks.acquire(deviceId, tabletId)).outcome;
  }

  heldBy(tabletId: string): Promise<string[]> {
    return this.store.locks.heldBy(tabletId);
  }

  async holderOf(deviceId: string): Promise<string | null> {
    return (await this.store.locks.get(deviceId))?.tabletId ?? null;
  }

  async isHeldBy(tabletId: string, deviceId: string): Promise<boolean> {
    return (await this.holderOf(deviceId)) === tabletId;
  }

  /** The spec's DeviceLockStatus for every known device. */
  async statuses(): Promise<DeviceLockStatus[]> {
    const ids = (await this.store.devices.list()).map((d) => d.deviceId).sort();
    const locks = await this.store.locks.getMany(ids);
    return ids.map((deviceId) => {
      const lock = locks.get(deviceId);
      return lock ? { deviceId, isLocked: true, lockedByTabletId: lock.tabletId } : { deviceId, isLocked: false };
    });
  }
}

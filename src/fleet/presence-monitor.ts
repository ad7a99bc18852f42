import type { Logger } from 'pino';
import type { PresenceStatus } from '../protocol';
import { PeriodicTask, type TaskLease } from '../util/periodic-task';
import type { DeviceService } from './device-service';
import type { DomainEvents } from '../domain/events';

export interface PresenceListener {
  presenceChanged(deviceId: string, status: PresenceStatus, lastSeen: Date): void;
  devicesExpired(deviceIds: string[]): void;
}

export interface PresenceMonitorOptions {
  /** How often to look for devices that went stale. */
  checkIntervalMs: number;
  /** How often to remove long-offline devices, and after how long offline. */
  cleanupIntervalMs: number;
  offlineExpiryMs: number;
}

/**
 * Notices what no event announces: a connected headset falling silent (stale)
 * and coming back, and devices offline long enough to forget. Connects and
 * disconnects are reported by the handlers through `note`, so each transition
 * is announced once.
 */
export class PresenceMonitor {
  private readonly known = new Map<string, PresenceStatus>();
  private readonly tasks: PeriodicTask[];

  /** With a lease, one process of the cluster watches presence, so each change is announced once. */
  constructor(
    private readonly devices: DeviceService,
    private readonly listener: PresenceListener,
    options: PresenceMonitorOptions,
    private readonly logger: Logger,
    lease?: TaskLease,
    private readonly events?: DomainEvents,
  ) {
    this.tasks = [
      new PeriodicTask('presence-check', options.checkIntervalMs, () => this.check(), logger, lease),
      new PeriodicTask('offline-device-cleanup', options.cleanupIntervalMs, () => this.cleanup(options.offlineExpiryMs), logger, lease),
    ];
  }

  start(): void {
    for (const task of this.tasks) task.start();
  }

  stop(): void {
    for (const task of this.tasks) task.stop();
  }

  /** Records a transition the caller has already announced. */
  note(deviceId: string, status: PresenceStatus): void {
    this.known.set(deviceId, status);
  }

  private async check(): Promise<void> {
    const seen = new Set<string>();
    for (const record of await this.devices.records()) {
      seen.add(record.deviceId);
      const status = this.devices.presenceOf(record);
      const before = this.known.get(record.deviceId);
      this.known.set(record.deviceId, status);
      if (before !== undefined && before !== status) {
        this.listener.presenceChanged(record.deviceId, status, record.lastSeen);
        // Published for the timeline; a listener's failure must not stop the check of the other devices.
        await this.events
          ?.publish('device.presence-changed', { deviceId: record.deviceId, status, lastSeen: record.lastSeen })
          .catch((err: Error) => {
            this.logger.warn({ err: err.message, deviceId: record.deviceId }, 'a presence listener failed');
          });
      }
    }
    // Forget devices the store no longer has, so the map stays the size of the fleet.
    for (const id of this.known.keys()) if (!seen.has(id)) this.known.delete(id);
  }

  private async cleanup(offlineExpiryMs: number): Promise<void> {
    const expired = await this.devices.expireOffline(offlineExpiryMs);
    for (const id of expired) this.known.delete(id);
    if (expired.length > 0) this.listener.devicesExpired(expired);
  }
}

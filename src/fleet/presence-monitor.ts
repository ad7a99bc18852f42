import type { Logger } from 'pino';
import type { PresenceStatus } from '../protocol';
import type { DeviceService } from './device-service';

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
  private checkTimer?: NodeJS.Timeout;
  private cleanupTimer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly devices: DeviceService,
    private readonly listener: PresenceListener,
    private readonly options: PresenceMonitorOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.checkTimer = setInterval(() => void this.check(), this.options.checkIntervalMs).unref();
    this.cleanupTimer = setInterval(() => void this.cleanup(), this.options.cleanupIntervalMs).unref();
  }

  stop(): void {
    clearInterval(this.checkTimer);
    clearInterval(this.cleanupTimer);
  }

  /** Records a transition the caller has already announced. */
  note(deviceId: string, status: PresenceStatus): void {
    this.known.set(deviceId, status);
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const seen = new Set<string>();
      for (const { record } of await this.devices.snapshots()) {
        seen.add(record.deviceId);
        const status = this.devices.presenceOf(record);
        const before = this.known.get(record.deviceId);
        this.known.set(record.deviceId, status);
        if (before !== undefined && before !== status) {
          this.listener.presenceChanged(record.deviceId, status, record.lastSeen);
        }
      }
      // Forget devices the store no longer has, so the map stays the size of the fleet.
      for (const id of this.known.keys()) if (!seen.has(id)) this.known.delete(id);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'presence check failed; will retry');
    } finally {
      this.checking = false;
    }
  }

  async cleanup(): Promise<void> {
    try {
      const expired = await this.devices.expireOffline(this.options.offlineExpiryMs);
      for (const id of expired) this.known.delete(id);
      if (expired.length > 0) this.listener.devicesExpired(expired);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'offline device cleanup failed; will retry');
    }
  }
}

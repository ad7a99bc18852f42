import type { Logger } from 'pino';
import type { DeviceService } from './device-service';
import type { LockService } from '../locks/lock-service';
import type { PresenceListener } from './presence-monitor';
import { telemetryUpdate, type DeviceSnapshot } from './views';
import type { Metrics } from '../metrics';
import type { PresenceStatus, ServerToClientEvents } from '../protocol';
import { rooms, watchersOf } from '../realtime/rooms';
import { Coalesced } from '../util/coalesced';
import type { CaptureIo } from '../realtime/types';

/** Coalesces bursts (a lab's headsets reconnecting at once) into one list broadcast. */
const LIST_BROADCAST_DELAY_MS = 50;

/**
 * Tells tablets and dashboards what changed in the fleet. Every emit goes to
 * rooms, so it reaches clients on any process, and is counted.
 */
export class FleetNotifier implements PresenceListener {
  private readonly lists = new Coalesced(() => this.broadcastHeadsetLists(), LIST_BROADCAST_DELAY_MS);
  private readonly lockStatuses = new Coalesced(() => this.broadcastLocks(), LIST_BROADCAST_DELAY_MS);

  constructor(
    private readonly io: CaptureIo,
    private readonly devices: DeviceService,
    private readonly locks: LockService,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  emit<E extends keyof ServerToClientEvents>(to: string | string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.metrics.socketMessages.inc({ event_type: event, direction: 'out' });
    this.io.to(to).emit(event, ...args);
  }

  /** Schedules the spec's headset-list broadcasts (online IDs, and with lock status). */
  headsetListsChanged(): void {
    this.lists.request();
  }

  async broadcastHeadsetLists(): Promise<void> {
    try {
      const { onlineIds, headsets } = await this.devices.headsetLists();
      const to = [rooms.tablets, rooms.dashboards];
      this.emit(to, 'on-headsets-updated', onlineIds);
      this.emit(to, 'on-headsets-with-lock-status-updated', headsets);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not broadcast headset lists');
    }
  }

  /** Schedules on-device-locks-updated and the headset lists (which carry lock status). */
  locksChanged(): void {
    this.lists.request();
    this.lockStatuses.request();
  }

  async broadcastLocks(): Promise<void> {
    try {
      this.emit([rooms.tablets, rooms.dashboards], 'on-device-locks-updated', await this.locks.statuses());
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not broadcast lock statuses');
    }
  }

  telemetryUpdated(snapshot: DeviceSnapshot): void {
    const update = telemetryUpdate(snapshot, Date.now(), this.devices.staleMs);
    this.emit([rooms.dashboards, ...watchersOf(snapshot.record.deviceId)], 'on-device-telemetry-updated', update);
  }

  presenceChanged(deviceId: string, status: PresenceStatus, lastSeen: Date): void {
    this.emit(rooms.dashboards, 'on-device-presence-changed', { deviceId, status, lastSeen: lastSeen.toISOString() });
  }

  devicesExpired(deviceIds: string[]): void {
    this.logger.info({ count: deviceIds.length }, 'expired long-offline devices');
    this.headsetListsChanged();
  }

  stop(): void {
    this.lists.cancel();
    this.lockStatuses.cancel();
  }
}

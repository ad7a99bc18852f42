import type { Logger } from 'pino';
import type { DeviceService } from './device-service';
import type { PresenceListener } from './presence-monitor';
import { telemetryUpdate, type DeviceSnapshot } from './views';
import type { PresenceStatus } from '../protocol';
import type { Broadcaster } from '../realtime/broadcaster';
import { emitPreEncoded, encodeJson } from '../realtime/pre-encoded';
import { rooms } from '../realtime/rooms';
import { Coalesced } from '../util/coalesced';
import { TelemetryBatcher } from './telemetry-batcher';

/** Coalesces bursts (a lab's headsets reconnecting at once) into one list broadcast. */
const LIST_BROADCAST_DELAY_MS = 50;

/** Tells tablets and dashboards what changed in the fleet: headset lists, presence and telemetry. */
export class FleetNotifier implements PresenceListener {
  private readonly lists = new Coalesced(() => this.broadcastHeadsetLists(), LIST_BROADCAST_DELAY_MS);
  private readonly batcher: TelemetryBatcher;

  constructor(
    private readonly broadcast: Broadcaster,
    private readonly devices: DeviceService,
    private readonly logger: Logger,
    telemetryBatchMs: number,
  ) {
    this.batcher = new TelemetryBatcher({
      intervalMs: telemetryBatchMs,
      view: (snapshot, now) => telemetryUpdate(snapshot, now, this.devices.staleMs),
      send: (updates) =>
        broadcast.emitEncoded(rooms.telemetryBatches, 'on-fleet-telemetry-batch', encodeJson({ updates, intervalMs: telemetryBatchMs })),
    });
  }

  /** Schedules the spec's headset-list broadcasts (online IDs, and with lock status). */
  headsetListsChanged(): void {
    this.lists.request();
  }

  async broadcastHeadsetLists(): Promise<void> {
    await this.sendHeadsetLists([rooms.tablets, rooms.dashboards]);
  }

  /**
   * The two headset lists to `to` (rooms or one socket's ID): to everyone when they change, and to a
   * tablet as it connects or a dashboard as it subscribes, so a client that came after the headsets
   * hears the lists without waiting for a change.
   */
  async sendHeadsetLists(to: string | string[]): Promise<void> {
    try {
      const { onlineIds, headsets } = await this.devices.headsetLists();
      this.broadcast.emit(to, 'on-headsets-updated', onlineIds);
      this.broadcast.emit(to, 'on-headsets-with-lock-status-updated', headsets);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not send headset lists');
    }
  }

  /**
   * New telemetry: per update to the dashboards that subscribed per update and to the headset's
   * watchers, and into the next batch for the batched dashboards. Two single-room broadcasts, not
   * one to both rooms: with the sharded adapter each is its own channel, heard only by processes
   * with members, where a two-room broadcast goes to every process. A per-update dashboard that
   * also watches the headset is left out of the second, so it still gets each update once. The
   * update is encoded once for both.
   */
  telemetryUpdated(snapshot: DeviceSnapshot): void {
    const watchRoom = rooms.watch(snapshot.record.deviceId);
    const perUpdate = this.broadcast.mayHaveAudience(rooms.telemetryUpdates);
    const watchers = this.broadcast.mayHaveAudience(watchRoom);
    if (perUpdate || watchers) {
      const update = encodeJson(telemetryUpdate(snapshot, Date.now(), this.devices.staleMs));
      const { io } = this.broadcast;
      // Counted once, as one broadcast to both audiences was.
      this.broadcast.sent('on-device-telemetry-updated').inc();
      if (perUpdate) emitPreEncoded(io.to(rooms.telemetryUpdates), 'on-device-telemetry-updated', update);
      if (watchers) emitPreEncoded(io.to(watchRoom).except(rooms.telemetryUpdates), 'on-device-telemetry-updated', update);
    }
    if (this.broadcast.mayHaveAudience(rooms.telemetryBatches)) this.batcher.add(snapshot);
  }

  presenceChanged(deviceId: string, status: PresenceStatus, lastSeen: Date): void {
    this.broadcast.emit(rooms.dashboards, 'on-device-presence-changed', { deviceId, status, lastSeen: lastSeen.toISOString() });
  }

  devicesExpired(deviceIds: string[]): void {
    this.logger.info({ count: deviceIds.length }, 'expired long-offline devices');
    this.headsetListsChanged();
  }

  stop(): void {
    this.batcher.stop();
    this.lists.cancel();
  }
}

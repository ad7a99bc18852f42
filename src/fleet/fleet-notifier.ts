import type { Logger } from 'pino';
import type { DeviceService } from './device-service';
import type { LockService } from '../locks/lock-service';
import type { PresenceListener } from './presence-monitor';
import { telemetryUpdate, type DeviceSnapshot } from './views';
import type { Metrics } from '../metrics';
import type { PresenceStatus, ServerToClientEvents } from '../protocol';
import { rooms } from '../realtime/rooms';
import { Coalesced } from '../util/coalesced';
import type { CaptureIo } from '../realtime/types';
import { TelemetryBatcher } from './telemetry-batcher';
import { emitPreEncoded, encodeJson, type EncodedJson, type PayloadOf } from '../realtime/pre-encoded';

/** Coalesces bursts (a lab's headsets reconnecting at once) into one list broadcast. */
const LIST_BROADCAST_DELAY_MS = 50;

/**
 * Tells tablets and dashboards what changed in the fleet. Every emit goes to
 * rooms, so it reaches clients on any process, and is counted.
 */
export class FleetNotifier implements PresenceListener {
  private readonly lists = new Coalesced(() => this.broadcastHeadsetLists(), LIST_BROADCAST_DELAY_MS);
  private readonly lockStatuses = new Coalesced(() => this.broadcastLocks(), LIST_BROADCAST_DELAY_MS);
  private readonly batcher: TelemetryBatcher;
  /** The labelled counter of each outgoing event, looked up once: telemetry goes out thousands of times a second. */
  private readonly sentCounters = new Map<string, { inc(): void }>();

  constructor(
    private readonly io: CaptureIo,
    private readonly devices: DeviceService,
    private readonly locks: LockService,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    telemetryBatchMs: number,
    /** Whether other processes (whose rooms this one cannot see) have members of a room. */
    private readonly mayHaveRemoteMembers: (room: string) => boolean,
  ) {
    this.batcher = new TelemetryBatcher({
      intervalMs: telemetryBatchMs,
      view: (snapshot, now) => telemetryUpdate(snapshot, now, this.devices.staleMs),
      send: (updates) =>
        this.emitEncoded(rooms.telemetryBatches, 'on-fleet-telemetry-batch', encodeJson({ updates, intervalMs: telemetryBatchMs })),
    });
  }

  emit<E extends keyof ServerToClientEvents>(to: string | string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.sent(event).inc();
    this.io.to(to).emit(event, ...args);
  }

  /** emit() with the argument already encoded as JSON (docs/PERFORMANCE.md): what goes out is the same. */
  private emitEncoded<E extends keyof ServerToClientEvents>(to: string, event: E, json: EncodedJson<PayloadOf<E>>): void {
    this.sent(event).inc();
    emitPreEncoded(this.io.to(to), event, json);
  }

  private sent(event: string): { inc(): void } {
    let counter = this.sentCounters.get(event);
    if (!counter) this.sentCounters.set(event, (counter = this.metrics.socketMessages.labels({ event_type: event, direction: 'out' })));
    return counter;
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
    const perUpdate = this.mayHaveAudience(rooms.telemetryUpdates);
    const watchers = this.mayHaveAudience(watchRoom);
    if (perUpdate || watchers) {
      const update = encodeJson(telemetryUpdate(snapshot, Date.now(), this.devices.staleMs));
      // Counted once, as one broadcast to both audiences was.
      this.sent('on-device-telemetry-updated').inc();
      if (perUpdate) emitPreEncoded(this.io.to(rooms.telemetryUpdates), 'on-device-telemetry-updated', update);
      if (watchers) emitPreEncoded(this.io.to(watchRoom).except(rooms.telemetryUpdates), 'on-device-telemetry-updated', update);
    }
    if (this.mayHaveAudience(rooms.telemetryBatches)) this.batcher.add(snapshot);
  }

  /**
   * Whether a room may have members. Socket.IO encodes a broadcast before it looks for
   * them, so on one process an update for nobody (a headset no one watches, per-update or
   * batched dashboards no one opened) would still be built and encoded on every message.
   * Another process may hold members: the cluster adapter follows which.
   */
  private mayHaveAudience(room: string): boolean {
    return this.io.sockets.adapter.rooms.has(room) || this.mayHaveRemoteMembers(room);
  }

  presenceChanged(deviceId: string, status: PresenceStatus, lastSeen: Date): void {
    this.emit(rooms.dashboards, 'on-device-presence-changed', { deviceId, status, lastSeen: lastSeen.toISOString() });
  }

  devicesExpired(deviceIds: string[]): void {
    this.logger.info({ count: deviceIds.length }, 'expired long-offline devices');
    this.headsetListsChanged();
  }

  stop(): void {
    this.batcher.stop();
    this.lists.cancel();
    this.lockStatuses.cancel();
  }
}

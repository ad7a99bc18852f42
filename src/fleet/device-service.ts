import type { RecordingStart } from '../domain/clock';
import type { DomainEvents } from '../domain/events';
import type { DeviceStateView, DeviceTelemetry } from '../protocol';
import type { DeviceRecord, Store } from '../state/types';
import { deviceStateView, fleetSummary, headsetListInfo, presenceOf, type DeviceSnapshot } from './views';

/**
 * What another feature adds to the device views (GET /api/devices, on-fleet-status-updated):
 * for the devices asked, the fields it owns (the clock feature: `clock`).
 */
export type DeviceStateExtension = (deviceIds: readonly string[]) => Promise<Map<string, Partial<DeviceStateView>>>;

export interface DeviceServiceOptions {
  staleMs: number;
  now?: () => number;
}

/**
 * Headset presence and telemetry over the store. Knows nothing of sockets:
 * callers pass the socket ID as an opaque connection identifier.
 */
export class DeviceService {
  private readonly now: () => number;
  private readonly extensions: DeviceStateExtension[] = [];

  constructor(
    private readonly store: Store,
    private readonly events: DomainEvents,
    private readonly options: DeviceServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get staleMs(): number {
    return this.options.staleMs;
  }

  /** Another feature's fields in the device views, read with them (one call per view of the fleet). */
  extendStates(extension: DeviceStateExtension): void {
    this.extensions.push(extension);
  }

  /**
   * Registers a headset connection. A reconnect keeps the device's session but not its
   * recording flag: the headset reports that again (state event or telemetry), and until
   * it does, a flag from before the drop would count a headset that may have stopped.
   */
  async identify(deviceId: string, connectionId: string): Promise<DeviceRecord> {
    const existing = await this.store.devices.get(deviceId);
    const at = new Date(this.now());
    const record: DeviceRecord = {
      deviceId,
      socketId: connectionId,
      isOnline: true,
      lastSeen: at,
      connectionTime: at,
      isRecording: false,
      ...(existing?.activeSessionId ? { activeSessionId: existing.activeSessionId } : {}),
    };
    await this.store.devices.save(record);
    await this.events.publish('device.identified', { deviceId, connectionId });
    return record;
  }

  /** Which of these devices the store has a record of (it may have lost some: Redis restarted empty). */
  registered(deviceIds: readonly string[]): Promise<Set<string>> {
    return this.store.devices.existing(deviceIds);
  }

  /**
   * Caches telemetry and marks the device seen; null when the device is not registered.
   * A recording flag in the telemetry is the latest report, so it replaces the stored one.
   */
  async recordTelemetry(telemetry: DeviceTelemetry): Promise<DeviceSnapshot | null> {
    const { deviceId } = telemetry;
    const written = await this.store.devices.recordTelemetry(deviceId, telemetry, new Date(this.now()));
    if (!written) return null;
    let record = written.record;
    const lock = written.lock;
    // The write answers the stored flag, so a change is seen without reading the record first;
    // only a change (rare: a start or a stop) costs a second write.
    const reported = telemetry.isRecording;
    if (reported !== undefined && record.isRecording !== reported) {
      record = (await this.store.devices.update(deviceId, { isRecording: reported })) ?? record;
      await this.events.publish('device.recording-changed', { deviceId, isRecording: reported });
    }
    const sessionId = record.activeSessionId;
    await this.events.publish('device.telemetry', sessionId ? { deviceId, telemetry, sessionId } : { deviceId, telemetry });
    return { record, telemetry, lock };
  }

  /** Any sign of life from the device. */
  async touch(deviceId: string): Promise<void> {
    await this.store.devices.update(deviceId, { lastSeen: new Date(this.now()) });
  }

  /** The headset reported its recording state (and, for a start, when it started). */
  async setRecording(deviceId: string, isRecording: boolean, start?: RecordingStart): Promise<DeviceRecord | null> {
    const record = await this.store.devices.update(deviceId, { isRecording, lastSeen: new Date(this.now()) });
    await this.events.publish('device.recording-changed', { deviceId, isRecording, ...(start ? { start } : {}) });
    return record;
  }

  /**
   * Marks the device offline unless it has already reconnected on another
   * connection. Offline clears its recording flag, and a device that was
   * recording is announced as stopped, so its session's status follows.
   */
  async disconnect(deviceId: string, connectionId: string): Promise<boolean> {
    const before = await this.store.devices.get(deviceId);
    const wentOffline = await this.store.devices.markOffline(deviceId, connectionId, new Date(this.now()));
    if (!wentOffline) return false;
    await this.events.publish('device.disconnected', { deviceId, connectionId });
    if (before?.isRecording) await this.events.publish('device.recording-changed', { deviceId, isRecording: false });
    return true;
  }

  /** Whether the device has a record (it has connected and not expired). */
  async isKnown(deviceId: string): Promise<boolean> {
    return (await this.store.devices.get(deviceId)) !== null;
  }

  async snapshot(deviceId: string): Promise<DeviceSnapshot | null> {
    const record = await this.store.devices.get(deviceId);
    if (!record) return null;
    const [telemetry, lock] = await Promise.all([this.store.devices.getTelemetry(deviceId), this.store.locks.get(deviceId)]);
    return { record, telemetry: telemetry as DeviceTelemetry | null, lock };
  }

  /** Every known device's record, nothing else (the presence check: no locks, no telemetry). */
  records(): Promise<DeviceRecord[]> {
    return this.store.devices.list();
  }

  /**
   * Every known device with its telemetry and lock, in three store round trips. Periodic
   * checks that look only at records and locks pass `{ telemetry: false }`: at 10,000
   * devices the telemetry is megabytes of JSON read and parsed every few seconds.
   */
  async snapshots(options: { telemetry?: boolean } = {}): Promise<DeviceSnapshot[]> {
    const records = await this.store.devices.list();
    const ids = records.map((r) => r.deviceId);
    const [telemetry, locks] = await Promise.all([
      options.telemetry === false ? new Map<string, object>() : this.store.devices.getTelemetryMany(ids),
      this.store.locks.getMany(ids),
    ]);
    return records
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
      .map((record) => ({
        record,
        telemetry: (telemetry.get(record.deviceId) as DeviceTelemetry | undefined) ?? null,
        lock: locks.get(record.deviceId) ?? null,
      }));
  }

  async deviceStates(): Promise<DeviceStateView[]> {
    const now = this.now();
    const snapshots = await this.snapshots();
    const ids = snapshots.map((s) => s.record.deviceId);
    const extra = await Promise.all(this.extensions.map((extend) => extend(ids)));
    return snapshots.map((s) => {
      const view = deviceStateView(s, now, this.options.staleMs);
      for (const fields of extra) Object.assign(view, fields.get(s.record.deviceId));
      return view;
    });
  }

  async summary() {
    return fleetSummary(await this.snapshots(), this.now(), this.options.staleMs);
  }

  /** Online headsets for the spec's headset-list broadcasts. */
  async headsetLists() {
    const online = (await this.snapshots()).filter((s) => s.record.isOnline);
    return { onlineIds: online.map((s) => s.record.deviceId), headsets: online.map(headsetListInfo) };
  }

  /** Removes devices offline for longer than `maxOfflineMs`; returns their IDs. */
  async expireOffline(maxOfflineMs: number): Promise<string[]> {
    const cutoff = this.now() - maxOfflineMs;
    const expired = (await this.store.devices.list()).filter((d) => !d.isOnline && d.lastSeen.getTime() < cutoff);
    for (const d of expired) await this.store.devices.remove(d.deviceId);
    return expired.map((d) => d.deviceId);
  }

  presenceOf(record: DeviceRecord) {
    return presenceOf(record, this.now(), this.options.staleMs);
  }
}

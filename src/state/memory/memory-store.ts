import {
  DEFAULT_ALARM_HISTORY_SECONDS,
  DEFAULT_WEBHOOK_MAX_AGE_SECONDS,
  type AcquireResult,
  type DevicePatch,
  type DeviceRecord,
  type DeviceStore,
  type LockInfo,
  type FeatureStoreImplementations,
  type LockStore,
  type Store,
  type StoreTtls,
  type TelemetryWrite,
} from '../types';
import { MemoryAlarmStore } from './alarms';
import { MemoryWebhookStore } from './webhooks';
import { MemoryNoticeWindowStore } from './notices';
import { ExpiringMap } from './expiring-map';
import { MemoryLeaseStore } from './leases';
import { MemoryQaResultStore } from './qa-results';
import { MemoryUploadStore } from './uploads';
import { MemorySessionStore } from './sessions';
import { MemoryCommandStore } from './commands';
import { MemoryTimelineStore } from './timeline';
import { MemoryRecordingStore } from './recordings';

const SWEEP_INTERVAL_MS = 60_000;

/** Records are copied in and out so callers can never mutate stored state by reference. */
const copy = <T>(value: T): T => structuredClone(value);

class MemoryDeviceStore implements DeviceStore {
  private readonly devices = new ExpiringMap<string, DeviceRecord>();
  private readonly telemetry = new ExpiringMap<string, object>();

  constructor(
    private readonly ttls: StoreTtls,
    private readonly locks: LockStore,
  ) {}

  async save(device: DeviceRecord): Promise<void> {
    this.devices.set(device.deviceId, copy(device), this.ttls.deviceStateSeconds * 1000);
  }

  async get(deviceId: string): Promise<DeviceRecord | null> {
    const device = this.devices.get(deviceId);
    return device ? copy(device) : null;
  }

  async list(): Promise<DeviceRecord[]> {
    return [...this.devices.values()].map(copy);
  }

  async update(deviceId: string, patch: DevicePatch): Promise<DeviceRecord | null> {
    const device = this.devices.get(deviceId);
    if (!device) return null;
    const { activeSessionId, ...rest } = copy(patch);
    const updated: DeviceRecord = { ...device, ...rest, deviceId };
    if (activeSessionId === null) delete updated.activeSessionId;
    else if (activeSessionId !== undefined) updated.activeSessionId = activeSessionId;
    this.devices.set(deviceId, updated, this.ttls.deviceStateSeconds * 1000);
    return copy(updated);
  }

  async markOffline(deviceId: string, socketId: string, at: Date): Promise<boolean> {
    const device = this.devices.get(deviceId);
    if (!device || device.socketId !== socketId) return false;
    await this.update(deviceId, { isOnline: false, isRecording: false, lastSeen: at });
    return true;
  }

  async remove(deviceId: string): Promise<void> {
    this.devices.delete(deviceId);
    this.telemetry.delete(deviceId);
  }

  async saveTelemetry(deviceId: string, telemetry: object): Promise<void> {
    this.telemetry.set(deviceId, copy(telemetry), this.ttls.telemetrySeconds * 1000);
  }

  async recordTelemetry(deviceId: string, telemetry: object, seenAt: Date): Promise<TelemetryWrite | null> {
    const record = await this.update(deviceId, { isOnline: true, lastSeen: seenAt });
    if (!record) return null;
    await this.saveTelemetry(deviceId, telemetry);
    return { record, lock: await this.locks.get(deviceId) };
  }

  async getTelemetry(deviceId: string): Promise<object | null> {
    const telemetry = this.telemetry.get(deviceId);
    return telemetry ? copy(telemetry) : null;
  }

  async getTelemetryMany(deviceIds: readonly string[]): Promise<Map<string, object>> {
    const result = new Map<string, object>();
    for (const id of deviceIds) {
      const telemetry = this.telemetry.get(id);
      if (telemetry) result.set(id, copy(telemetry));
    }
    return result;
  }

  async existing(deviceIds: readonly string[]): Promise<Set<string>> {
    return new Set(deviceIds.filter((id) => this.devices.get(id) !== undefined));
  }

  purgeExpired(): void {
    this.devices.purgeExpired();
    this.telemetry.purgeExpired();
  }
}

class MemoryLockStore implements LockStore {
  private readonly locks = new ExpiringMap<string, LockInfo>();

  constructor(private readonly ttls: StoreTtls) {}

  // Single-threaded JavaScript makes each method atomic: no await between read and write.
  async acquire(deviceId: string, tabletId: string): Promise<AcquireResult> {
    const current = this.locks.get(deviceId);
    if (current && current.tabletId !== tabletId) return { outcome: 'held', holder: current.tabletId };
    // lockedAt is when the device was locked: a refresh by the owner keeps it.
    const lock: LockInfo = { deviceId, tabletId, lockedAt: current ? current.lockedAt : new Date() };
    this.locks.set(deviceId, lock, this.ttls.lockSeconds * 1000);
    return { outcome: current ? 'refreshed' : 'acquired', lock: copy(lock) };
  }

  async release(deviceId: string, tabletId: string): Promise<boolean> {
    const current = this.locks.get(deviceId);
    if (!current || current.tabletId !== tabletId) return false;
    this.locks.delete(deviceId);
    return true;
  }

  async get(deviceId: string): Promise<LockInfo | null> {
    const lock = this.locks.get(deviceId);
    return lock ? copy(lock) : null;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, LockInfo>> {
    const result = new Map<string, LockInfo>();
    for (const id of deviceIds) {
      const lock = this.locks.get(id);
      if (lock) result.set(id, copy(lock));
    }
    return result;
  }

  async heldBy(tabletId: string): Promise<string[]> {
    return [...this.locks.values()].filter((l) => l.tabletId === tabletId).map((l) => l.deviceId);
  }

  purgeExpired(): void {
    this.locks.purgeExpired();
  }
}

/** The embedded default: plain maps in this process, same TTL semantics as Redis. */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly devices: MemoryDeviceStore;
  readonly locks: MemoryLockStore;
  readonly sessions: MemorySessionStore;
  readonly uploads: MemoryUploadStore;
  readonly leases = new MemoryLeaseStore();
  readonly qaResults: MemoryQaResultStore;
  readonly commands: MemoryCommandStore;
  readonly timeline: MemoryTimelineStore;
  readonly alarms: MemoryAlarmStore;
  readonly webhooks: MemoryWebhookStore;
  readonly notices = new MemoryNoticeWindowStore();
  readonly recordings = new MemoryRecordingStore();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly ttls: StoreTtls) {
    this.locks = new MemoryLockStore(ttls);
    this.devices = new MemoryDeviceStore(ttls, this.locks);
    this.sessions = new MemorySessionStore(ttls);
    this.uploads = new MemoryUploadStore(ttls);
    this.qaResults = new MemoryQaResultStore(ttls);
    this.commands = new MemoryCommandStore(ttls);
    this.timeline = new MemoryTimelineStore(ttls);
    this.alarms = new MemoryAlarmStore((ttls.alarmHistorySeconds ?? DEFAULT_ALARM_HISTORY_SECONDS) * 1000);
    this.webhooks = new MemoryWebhookStore((ttls.webhookMaxAgeSeconds ?? DEFAULT_WEBHOOK_MAX_AGE_SECONDS) * 1000);
    this.sweep = setInterval(() => this.purgeExpired(), SWEEP_INTERVAL_MS).unref();
  }

  async ping(): Promise<void> {}

  extend<T extends object>(implementations: FeatureStoreImplementations<T>): T {
    return implementations.memory(this.ttls);
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
  }

  private purgeExpired(): void {
    this.devices.purgeExpired();
    this.locks.purgeExpired();
    this.sessions.purgeExpired();
    this.uploads.purgeExpired();
    this.leases.purgeExpired();
    this.qaResults.purgeExpired();
    this.commands.purgeExpired();
    this.timeline.purgeExpired();
    this.alarms.purgeExpired();
    this.webhooks.purgeExpired();
    this.notices.purgeExpired();
  }
}

import { z } from 'zod';
import type { DeviceStateView, DeviceTelemetry, HeadsetListInfo, PresenceStatus, TelemetryUpdate } from '../protocol';
import type { DeviceRecord, LockInfo } from '../state/types';

/** Everything known about one device at one moment: the input of every view. */
export interface DeviceSnapshot {
  record: DeviceRecord;
  telemetry: DeviceTelemetry | null;
  lock: LockInfo | null;
}

export const LOW_BATTERY_THRESHOLD = 0.25;

export function presenceOf(record: DeviceRecord, now: number, staleMs: number): PresenceStatus {
  if (!record.isOnline) return 'offline';
  return now - record.lastSeen.getTime() > staleMs ? 'stale' : 'online';
}

/** The stored flag is the latest report (state event or telemetry); an offline device records nothing. */
export function isRecording(s: DeviceSnapshot): boolean {
  return s.record.isOnline && s.record.isRecording;
}

export function deviceStateView(s: DeviceSnapshot, now: number, staleMs: number): DeviceStateView {
  const status = presenceOf(s.record, now, staleMs);
  return {
    deviceId: s.record.deviceId,
    socketId: s.record.socketId,
    isOnline: s.record.isOnline,
    isStale: status === 'stale',
    status,
    lastSeen: s.record.lastSeen.toISOString(),
    telemetry: s.telemetry,
    connectionTime: s.record.connectionTime.toISOString(),
    isRecording: isRecording(s),
    isLocked: s.lock !== null,
    ...(s.lock ? { lockedByTabletId: s.lock.tabletId, lockedAt: s.lock.lockedAt.toISOString() } : {}),
  };
}

export function telemetryUpdate(s: DeviceSnapshot, now: number, staleMs: number): TelemetryUpdate {
  const status = presenceOf(s.record, now, staleMs);
  return {
    deviceId: s.record.deviceId,
    isOnline: s.record.isOnline,
    isStale: status === 'stale',
    lastSeen: s.record.lastSeen.toISOString(),
    telemetry: s.telemetry,
    isLocked: s.lock !== null,
    ...(s.lock ? { lockedByTabletId: s.lock.tabletId } : {}),
  };
}

export function headsetListInfo(s: DeviceSnapshot): HeadsetListInfo {
  return {
    deviceId: s.record.deviceId,
    isLocked: s.lock !== null,
    ...(s.lock ? { lockedByTabletId: s.lock.tabletId } : {}),
    customName: s.telemetry?.customName ?? s.telemetry?.deviceName ?? s.record.deviceId,
  };
}

const count = z.number().int().nonnegative();
/** The spec's FleetSummary, plus stale devices (GET /api/fleet/summary). */
export const fleetSummarySchema = z.object({
  totalDevices: count,
  onlineDevices: count,
  offlineDevices: count,
  staleDevices: count,
  recordingDevices: count,
  lowBatteryDevices: count,
  lockedDevices: count,
  /** 0..1, over the devices that report a battery level. */
  avgBatteryLevel: z.number(),
  totalProductiveTime: z.number(),
  appVersions: z.array(z.string()),
});
export type FleetSummary = z.infer<typeof fleetSummarySchema>;

export function fleetSummary(snapshots: DeviceSnapshot[], now: number, staleMs: number): FleetSummary {
  const batteries = snapshots.flatMap((s) => (s.telemetry?.batteryLevel === undefined ? [] : [s.telemetry.batteryLevel]));
  const presence = snapshots.map((s) => presenceOf(s.record, now, staleMs));
  const versions = new Set(snapshots.flatMap((s) => (s.telemetry?.appVersion ? [s.telemetry.appVersion] : [])));
  return {
    totalDevices: snapshots.length,
    onlineDevices: presence.filter((p) => p !== 'offline').length,
    offlineDevices: presence.filter((p) => p === 'offline').length,
    staleDevices: presence.filter((p) => p === 'stale').length,
    recordingDevices: snapshots.filter(isRecording).length,
    lowBatteryDevices: batteries.filter((b) => b < LOW_BATTERY_THRESHOLD).length,
    lockedDevices: snapshots.filter((s) => s.lock !== null).length,
    avgBatteryLevel: batteries.length === 0 ? 0 : round(batteries.reduce((a, b) => a + b, 0) / batteries.length, 4),
    totalProductiveTime: snapshots.reduce((sum, s) => sum + (s.telemetry?.productiveTime ?? 0), 0),
    appVersions: [...versions].sort(),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

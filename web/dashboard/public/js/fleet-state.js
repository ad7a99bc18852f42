// @ts-check
import { LOW_BATTERY } from './format.js';

/**
 * The dashboard's picture of the fleet, kept current from Socket.IO events.
 * Pure state: the views read it, nothing here touches the DOM.
 *
 * @typedef {import('../../../../src/protocol').DeviceStateView} DeviceStateView
 * @typedef {import('../../../../src/protocol').TelemetryUpdate} TelemetryUpdate
 * @typedef {import('../../../../src/protocol').DeviceLockStatus} DeviceLockStatus
 * @typedef {import('../../../../src/protocol').PresenceStatus} PresenceStatus
 * @typedef {import('../../../../src/protocol').SessionView} SessionView
 *
 * An alarm as the fleet table needs it; the alarms view (issue 19) owns the
 * rest of the record and may add fields.
 * @typedef {{ alarmId?: string, type: string, message?: string, [key: string]: unknown }} DeviceAlarm
 *
 * One device as the page knows it. `alarms` is filled by the alarms view
 * through setAlarms() (absent: nobody reported any); `session` is derived from
 * the sessions list (the device's active session, if any).
 * @typedef {Omit<DeviceStateView, 'socketId' | 'connectionTime'> & { connectionTime?: string, alarms?: DeviceAlarm[] }} DeviceRow
 *
 * @typedef {{ online: number, stale: number, offline: number, recording: number, lowBattery: number,
 *   locked: number, avgBattery: number | undefined, appVersions: string[], total: number }} FleetSummary
 */

/** Sessions that still hold their headsets. */
export const ACTIVE_SESSION_STATUSES = ['pending', 'recording', 'paused'];

export class FleetState {
  constructor() {
    /** @type {Map<string, DeviceRow>} */
    this.devices = new Map();
    /** deviceId → the active session it belongs to (from the sessions list). @type {Map<string, SessionView>} */
    this.sessionOf = new Map();
    /** Every session the page has listed, by ID. @type {Map<string, SessionView>} */
    this.sessions = new Map();
  }

  /** on-fleet-status-updated or GET /api/devices: every device, replacing what was known (alarms are kept). @param {DeviceRow[]} states */
  replaceAll(states) {
    const previous = this.devices;
    this.devices = new Map();
    for (const { socketId: _socketId, ...s } of /** @type {Array<DeviceRow & { socketId?: string }>} */ (states)) {
      const alarms = previous.get(s.deviceId)?.alarms;
      this.devices.set(s.deviceId, { ...s, ...(alarms ? { alarms } : {}) });
    }
  }

  /**
   * One device's update (on-device-telemetry-updated). The single place a live
   * device update is applied: a batched event calls it once per device.
   * @param {TelemetryUpdate} update
   */
  applyDeviceUpdate(update) {
    const known = this.devices.get(update.deviceId);
    const status = update.isOnline ? (update.isStale ? 'stale' : 'online') : 'offline';
    this.devices.set(update.deviceId, {
      ...(known ?? { isRecording: false }),
      deviceId: update.deviceId,
      isOnline: update.isOnline,
      isStale: update.isStale,
      status,
      lastSeen: update.lastSeen,
      telemetry: update.telemetry,
      isLocked: update.isLocked,
      lockedByTabletId: update.lockedByTabletId,
      isRecording: update.isOnline && (update.telemetry?.isRecording ?? known?.isRecording ?? false),
    });
  }

  /**
   * on-device-presence-changed. Answers false for a device never seen (the caller asks for the full list).
   * @param {{ deviceId: string, status: PresenceStatus, lastSeen: string }} change
   */
  presence(change) {
    const known = this.devices.get(change.deviceId);
    if (!known) return false;
    known.status = change.status;
    known.isOnline = change.status !== 'offline';
    known.isStale = change.status === 'stale';
    known.lastSeen = change.lastSeen;
    if (!known.isOnline) known.isRecording = false;
    return true;
  }

  /** on-device-locks-updated: lock state of every known device. @param {DeviceLockStatus[]} locks */
  locks(locks) {
    for (const lock of locks) {
      const known = this.devices.get(lock.deviceId);
      if (!known) continue;
      known.isLocked = lock.isLocked;
      known.lockedByTabletId = lock.isLocked ? lock.lockedByTabletId : undefined;
    }
  }

  /** on-device-recording-changed. @param {{ deviceId: string, isRecording: boolean }} change */
  recording(change) {
    const known = this.devices.get(change.deviceId);
    if (known) known.isRecording = change.isRecording;
  }

  /**
   * The alarms view's seam (issue 19): a device's active alarms, read by the
   * alarm filter and the device detail. An empty list means "none active".
   * @param {string} deviceId @param {DeviceAlarm[]} alarms
   */
  setAlarms(deviceId, alarms) {
    const known = this.devices.get(deviceId);
    if (known) known.alarms = alarms;
  }

  /** GET /api/sessions: the listed sessions, and which active session each device is in. @param {SessionView[]} sessions */
  setSessions(sessions) {
    this.sessions = new Map(sessions.map((s) => [s.sessionId, s]));
    this.sessionOf = new Map();
    // Newest first: a device's newest active session wins.
    for (const s of [...sessions].reverse()) {
      if (!ACTIVE_SESSION_STATUSES.includes(s.status)) continue;
      for (const id of s.deviceIds) this.sessionOf.set(id, s);
    }
  }

  /** on-headsets-updated: answers whether it names a device this page has not seen. @param {string[]} onlineIds */
  hasUnknown(onlineIds) {
    return onlineIds.some((id) => !this.devices.has(id));
  }

  /** All devices, in no particular order. */
  all() {
    return [...this.devices.values()];
  }

  /**
   * Fleet counts from what the page holds. Battery figures count online
   * devices only: an offline headset's last battery is history, not state.
   * @returns {FleetSummary}
   */
  summary() {
    const all = this.all();
    const live = all.filter((d) => d.status !== 'offline');
    const batteries = live.flatMap((d) => (d.telemetry?.batteryLevel === undefined ? [] : [d.telemetry.batteryLevel]));
    const versions = new Set(live.flatMap((d) => (d.telemetry?.appVersion ? [d.telemetry.appVersion] : [])));
    return {
      total: all.length,
      online: all.filter((d) => d.status === 'online').length,
      stale: all.filter((d) => d.status === 'stale').length,
      offline: all.length - live.length,
      recording: live.filter((d) => d.isRecording).length,
      lowBattery: batteries.filter((b) => b < LOW_BATTERY).length,
      locked: all.filter((d) => d.isLocked).length,
      avgBattery: batteries.length ? batteries.reduce((a, b) => a + b, 0) / batteries.length : undefined,
      appVersions: [...versions].sort(),
    };
  }
}

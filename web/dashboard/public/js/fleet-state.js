// @ts-check
/**
 * The dashboard's picture of the fleet, kept current from Socket.IO events.
 * Pure state: the views read it, nothing here touches the DOM.
 *
 * @typedef {import('../../../../src/protocol').DeviceStateView} DeviceStateView
 * @typedef {import('../../../../src/protocol').TelemetryUpdate} TelemetryUpdate
 * @typedef {import('../../../../src/protocol').DeviceLockStatus} DeviceLockStatus
 * @typedef {import('../../../../src/protocol').PresenceStatus} PresenceStatus
 * @typedef {Omit<DeviceStateView, 'socketId' | 'connectionTime'>} DeviceRow
 */

export class FleetState {
  constructor() {
    /** @type {Map<string, DeviceRow>} */
    this.devices = new Map();
  }

  /** on-fleet-status-updated: every device, replacing what was known. @param {DeviceStateView[]} states */
  replaceAll(states) {
    this.devices.clear();
    for (const s of states) this.devices.set(s.deviceId, { ...s });
  }

  /** on-device-telemetry-updated. @param {TelemetryUpdate} update */
  telemetry(update) {
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
      isRecording: update.telemetry?.isRecording ?? known?.isRecording ?? false,
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

  /** on-headsets-updated: answers whether it names a device this page has not seen. @param {string[]} onlineIds */
  hasUnknown(onlineIds) {
    return onlineIds.some((id) => !this.devices.has(id));
  }

  /** Devices in ID order. */
  sorted() {
    return [...this.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId, undefined, { numeric: true }));
  }
}

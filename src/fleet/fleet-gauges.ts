import type { FleetGaugeValues } from '../metrics';
import type { DeviceService } from './device-service';
import { isRecording, LOW_BATTERY_THRESHOLD } from './views';

/** Several gauges read one snapshot per scrape, not one each. */
const REUSE_MS = 1_000;

export function fleetGaugeSource(devices: DeviceService): () => Promise<FleetGaugeValues> {
  let last: { at: number; values: Promise<FleetGaugeValues> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > REUSE_MS) {
      const values = devices.snapshots().then((snapshots) => {
        const batteries = snapshots.flatMap((s) =>
          s.telemetry?.batteryLevel === undefined ? [] : [{ deviceId: s.record.deviceId, level: s.telemetry.batteryLevel }],
        );
        return {
          locked: snapshots.filter((s) => s.lock !== null).length,
          recording: snapshots.filter(isRecording).length,
          lowBattery: batteries.filter((b) => b.level < LOW_BATTERY_THRESHOLD).length,
          batteries,
          devices: snapshots.map((s) => ({
            deviceId: s.record.deviceId,
            online: s.record.isOnline,
            locked: s.lock !== null,
            recording: isRecording(s),
          })),
        };
      });
      // A failed read is not reused: the next scrape tries again.
      values.catch(() => (last = undefined));
      last = { at: now, values };
    }
    return last.values;
  };
}

import { Gauge, type Registry } from 'prom-client';
import type { DeviceService } from './device-service';
import { isRecording, LOW_BATTERY_THRESHOLD } from './views';

/** Fleet-wide values read from the store when Prometheus scrapes. */
interface FleetGaugeValues {
  locked: number;
  recording: number;
  lowBattery: number;
  batteries: Array<{ deviceId: string; level: number }>;
  devices: Array<{ deviceId: string; online: boolean; locked: boolean; recording: boolean }>;
}

/** Several gauges read one snapshot per scrape, not one each. */
const REUSE_MS = 1_000;

function fleetSnapshot(devices: DeviceService): () => Promise<FleetGaugeValues | undefined> {
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
    // A store outage leaves the gauges at their last values rather than failing the scrape.
    return last.values.catch(() => undefined);
  };
}

/**
 * The fleet's gauges, computed at scrape time from the store (the shared truth
 * when several processes run), not incremented by handlers that could drift.
 */
export function registerFleetGauges(registry: Registry, devices: DeviceService): void {
  const read = fleetSnapshot(devices);
  const registers = [registry];
  const total = (name: string, help: string, pick: (v: FleetGaugeValues) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const values = await read();
        if (values) this.set(pick(values));
      },
    });
  // Per-device gauges let an alert name the headset. Reset on every scrape, so a device
  // that left the fleet stops being reported.
  const perDevice = (name: string, help: string, entries: (v: FleetGaugeValues) => Array<[deviceId: string, value: number]>) =>
    new Gauge({
      name,
      help,
      labelNames: ['device_id'] as const,
      registers,
      async collect() {
        const values = await read();
        if (!values) return;
        this.reset();
        for (const [deviceId, value] of entries(values)) this.set({ device_id: deviceId }, value);
      },
    });
  const flag = (pick: (d: FleetGaugeValues['devices'][number]) => boolean) => (v: FleetGaugeValues) =>
    v.devices.map((d): [string, number] => [d.deviceId, pick(d) ? 1 : 0]);

  total('turing_locked_devices_total', 'Locked devices', (v) => v.locked);
  total('turing_recording_devices_total', 'Recording devices', (v) => v.recording);
  total('turing_low_battery_devices_total', 'Devices with battery below 25%', (v) => v.lowBattery);
  perDevice('turing_fleet_battery_level', 'Battery level per device (0-1)', (v) => v.batteries.map((b) => [b.deviceId, b.level]));
  // Beyond the spec, for the alert rules and dashboards (prometheus/, grafana/).
  perDevice(
    'turing_device_online',
    'Per device: 1 while connected, 0 while known but offline',
    flag((d) => d.online),
  );
  perDevice(
    'turing_device_locked',
    'Per device: 1 while a tablet holds its lock, else 0',
    flag((d) => d.locked),
  );
  perDevice(
    'turing_device_recording',
    'Per device: 1 while recording, else 0',
    flag((d) => d.recording),
  );
}

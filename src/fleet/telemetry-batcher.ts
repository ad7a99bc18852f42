import type { TelemetryUpdate } from '../protocol';
import type { DeviceSnapshot } from './views';

export interface TelemetryBatcherOptions {
  /** How often a batch goes out while telemetry keeps changing (TELEMETRY_BATCH_MS). */
  intervalMs: number;
  /** Turns a snapshot into the update dashboards receive, at flush time. */
  view(snapshot: DeviceSnapshot, now: number): TelemetryUpdate;
  /** Sends one batch (to the batched dashboards' room, so every process's dashboards get it). */
  send(updates: TelemetryUpdate[]): void;
}

/**
 * Collects the latest telemetry of each device that changed, and hands them
 * over as one batch every `intervalMs`. At 10,000 devices a dashboard gets two
 * messages a second instead of 10,000. Holds at most one snapshot per device
 * connected to this process, and the view is built once per device per
 * batch, not once per update. Its timer runs only while there is something to
 * send, so an idle fleet costs nothing.
 */
export class TelemetryBatcher {
  private pending = new Map<string, DeviceSnapshot>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: TelemetryBatcherOptions) {}

  add(snapshot: DeviceSnapshot): void {
    this.pending.set(snapshot.record.deviceId, snapshot);
    this.timer ??= setTimeout(() => this.flush(), this.options.intervalMs);
  }

  /** Sends what is pending now (also used on shutdown and in tests). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const snapshots = this.pending;
    this.pending = new Map();
    const now = Date.now();
    const updates: TelemetryUpdate[] = [];
    for (const snapshot of snapshots.values()) updates.push(this.options.view(snapshot, now));
    this.options.send(updates);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

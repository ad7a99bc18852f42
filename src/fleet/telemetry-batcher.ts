import type { TelemetryUpdate } from '../protocol';
import type { EncodedJson } from '../realtime/pre-encoded';

export interface TelemetryBatcherOptions {
  /** How often a batch goes out while telemetry keeps changing (TELEMETRY_BATCH_MS). */
  intervalMs: number;
  /** Sends one batch's updates, a JSON array (to the batched dashboards' room, so every process's dashboards get it). */
  send(updates: EncodedJson<TelemetryUpdate[]>): void;
}

/**
 * Collects the latest telemetry update of each device that changed, and hands them
 * over as one batch every `intervalMs`. At 10,000 devices a dashboard gets two
 * messages a second instead of 10,000. Updates are kept as the JSON they are sent as
 * (encoded once per update, shared with the per-update audiences): the flush only
 * joins them, so a batch of thousands does not hold the event loop while it is
 * encoded, and what waits for the flush is one string per device, not an object
 * graph the garbage collector copies on every young-generation collection. Holds at
 * most one update per device connected to this process. Its timer runs only while
 * there is something to send, so an idle fleet costs nothing.
 */
export class TelemetryBatcher {
  private pending = new Map<string, EncodedJson<TelemetryUpdate>>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: TelemetryBatcherOptions) {}

  add(deviceId: string, update: EncodedJson<TelemetryUpdate>): void {
    this.pending.set(deviceId, update);
    this.timer ??= setTimeout(() => this.flush(), this.options.intervalMs);
  }

  /** Sends what is pending now (also used on shutdown and in tests). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const updates = [...this.pending.values()];
    this.pending = new Map();
    this.options.send(`[${updates.join(',')}]` as EncodedJson<TelemetryUpdate[]>);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

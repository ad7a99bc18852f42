/** Devices tracked at once before windows that ended are swept out (they are dropped as they are met, too). */
const SWEEP_ABOVE = 10_000;
const WINDOW_MS = 60_000;

/**
 * How many alarms each headset may raise (or reopen) per minute in this process:
 * ALARM_RAISES_PER_DEVICE_PER_MINUTE. Five headsets swinging across both battery
 * thresholds made 905 alarms in 20 s (issue 37); with the reopen dwell the records
 * stay one per type, and this bounds the transitions. A fixed window per device;
 * the map holds only devices that raised within the last minute.
 */
export class RaiseBudget {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(private readonly perMinute: number) {}

  available(deviceId: string, now = Date.now()): boolean {
    const w = this.current(deviceId, now);
    return !w || w.used < this.perMinute;
  }

  /** Counts a raise or reopen the store made. */
  spend(deviceId: string, now = Date.now()): void {
    const w = this.current(deviceId, now) ?? { start: now, used: 0 };
    w.used++;
    this.windows.set(deviceId, w);
    if (this.windows.size > SWEEP_ABOVE) for (const [id, old] of this.windows) if (now - old.start >= WINDOW_MS) this.windows.delete(id);
  }

  /** When the device's window ends (its budget refills), or undefined if it has none. */
  refillsAt(deviceId: string, now = Date.now()): number | undefined {
    const w = this.current(deviceId, now);
    return w && w.start + WINDOW_MS;
  }

  private current(deviceId: string, now: number): { start: number; used: number } | undefined {
    const w = this.windows.get(deviceId);
    if (w && now - w.start >= WINDOW_MS) {
      this.windows.delete(deviceId);
      return undefined;
    }
    return w;
  }
}

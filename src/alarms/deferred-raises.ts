import type { AlarmDecision } from './alarm-types';

/**
 * Raises the per-device budget held back whose maker cannot send them again
 * (a verdict, a command, a presence change: events that do not repeat, unlike
 * telemetry readings). Each is replayed when the device's budget refills,
 * unless a clear of the same device and type came first; one per (device,
 * type), so what waits is bounded by the fleet.
 */
export class DeferredRaises {
  private readonly waiting = new Map<string, NodeJS.Timeout>();

  constructor(private readonly replay: (deviceId: string, decision: AlarmDecision) => void) {}

  /** Sends `decision` again at `at`, replacing one waiting for the same device and type. */
  defer(deviceId: string, decision: AlarmDecision, at: number): void {
    const key = `${deviceId}\n${decision.type}`;
    clearTimeout(this.waiting.get(key));
    const timer = setTimeout(
      () => {
        this.waiting.delete(key);
        this.replay(deviceId, decision);
      },
      Math.max(0, at - Date.now()) + 10,
    );
    timer.unref();
    this.waiting.set(key, timer);
  }

  /** The condition cleared: a raise held back for it no longer holds. */
  cancel(deviceId: string, type: string): void {
    const key = `${deviceId}\n${type}`;
    clearTimeout(this.waiting.get(key));
    this.waiting.delete(key);
  }

  stop(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }
}

import type { Logger } from 'pino';
import { PeriodicTask } from '../util/periodic-task';
import type { DeviceService } from './device-service';

/**
 * Live frames are a headset's sign of life, so a headset that only streams is
 * not reported stale. Frames arrive at 30 fps per headset, so they are not
 * written to the store one by one: a frame only marks its headset in memory
 * (a set of at most the headsets streaming to this process), and every
 * `intervalMs` the marked headsets' lastSeen is written once. The interval is
 * well under DEVICE_STALE_MS, so lastSeen never falls behind long enough to look stale.
 */
export class FrameActivity {
  private readonly active = new Set<string>();
  private readonly task: PeriodicTask;

  constructor(
    private readonly devices: DeviceService,
    intervalMs: number,
    logger: Logger,
  ) {
    // Per process, no lease: each process flushes the headsets streaming to it.
    this.task = new PeriodicTask('frame-activity', intervalMs, () => this.flush(), logger);
  }

  /** A frame came from this headset: O(1), no I/O. */
  note(deviceId: string): void {
    this.active.add(deviceId);
  }

  async flush(): Promise<void> {
    if (this.active.size === 0) return;
    const ids = [...this.active];
    this.active.clear();
    for (const id of ids) await this.devices.touch(id);
  }

  start(): this {
    this.task.start();
    return this;
  }

  stop(): void {
    this.task.stop();
  }
}

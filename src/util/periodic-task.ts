import type { Logger } from 'pino';
import type { LeaseStore } from '../state/types';

export interface TaskLease {
  leases: LeaseStore;
  /** This process's identity in the cluster. */
  owner: string;
}

/**
 * Runs `task` every `intervalMs`, never two runs at once, logging failures
 * and trying again at the next tick. The timer does not keep the process alive.
 *
 * With a lease, the task runs on one process of the cluster at a time: the
 * holder renews the lease each run (for three intervals), and if it dies
 * another process takes over once the lease has expired.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
    private readonly lease?: TaskLease,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** One run now (if this process holds the lease); resolves when it is done. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.lease && !(await this.lease.leases.tryAcquire(this.name, this.lease.owner, this.intervalMs * 3))) return;
      await this.task();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, task: this.name }, 'periodic task failed; will retry');
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.lease) void this.lease.leases.release(this.name, this.lease.owner).catch(() => undefined);
  }
}

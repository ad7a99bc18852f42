import type { Logger } from 'pino';
import type { LeaseStore } from '../state/types';

export interface TaskLease {
  leases: LeaseStore;
  /** This process's identity in the cluster. */
  owner: string;
  /** The heartbeat's longest period (LEASE_HEARTBEAT_MS unless a test says otherwise). */
  heartbeatMs?: number;
}

/** How often a leased task's lease is renewed by its holder, and tried by the others (at most). */
export const LEASE_HEARTBEAT_MS = 10_000;
/** A lease lives this many heartbeats unless renewed: a holder may miss two, a dead one is replaced after three. */
const LEASE_HEARTBEATS = 3;

/**
 * Runs `task` every `intervalMs`, never two runs at once, logging failures
 * and trying again at the next tick. The timer does not keep the process alive.
 *
 * With a lease, the task runs on one process of the cluster at a time. The
 * lease is a heartbeat, not a run: every `min(intervalMs, 10 s)` the holder
 * renews it (also while a long run is in progress) for three heartbeats, and
 * every other process tries to take it. So a holder that dies (SIGKILL) is
 * replaced within about four heartbeats (at most 40 s), whatever the task's
 * interval; the new holder runs the task at once. Before, the lease was
 * renewed per run for three intervals, so a 60 s sweep waited up to 190 s.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running = false;
  private lastRunAt?: number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
    private readonly lease?: TaskLease,
  ) {
    this.heartbeatMs = Math.min(intervalMs, lease?.heartbeatMs ?? LEASE_HEARTBEAT_MS);
  }

  start(): this {
    this.timer = this.lease
      ? setInterval(() => void this.heartbeat(), this.heartbeatMs)
      : setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** One run now (if this process holds the lease); resolves when it is done. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.lease && !(await this.acquire())) return;
      this.lastRunAt = Date.now();
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

  private acquire(): Promise<boolean> {
    const lease = this.lease!;
    return lease.leases.tryAcquire(this.name, lease.owner, this.heartbeatMs * LEASE_HEARTBEATS);
  }

  /** Renews (or tries to take) the lease; runs the task when it is due, or at once on taking the lease over. */
  private async heartbeat(): Promise<void> {
    if (this.running) {
      // A long run keeps its lease.
      await this.acquire().catch(() => undefined);
      return;
    }
    // Ticks drift a little: a run due within half a heartbeat runs now rather than a heartbeat late.
    const due = this.lastRunAt === undefined || Date.now() - this.lastRunAt >= this.intervalMs - this.heartbeatMs / 2;
    if (due) return this.runOnce();
    const held = await this.acquire().catch(() => false);
    // Lost it meanwhile (a store that forgot it, or a pause longer than the lease): run as soon as it is back.
    if (!held) this.lastRunAt = undefined;
  }
}

import type { Logger } from 'pino';
import { PeriodicTask } from '../util/periodic-task';
import type { CaptureIo, CaptureSocket } from './types';

/**
 * One feature's part of putting back what this process's open connections
 * stand for: given the connected sockets, it restores what the store lost and
 * answers how many records it restored.
 */
export type RecoveryCheck = (sockets: readonly CaptureSocket[]) => Promise<number>;

/**
 * Puts back what this process's open connections stand for when the store has
 * lost it (Redis restarted without its data, a FLUSHALL, an evicted key).
 * Sockets do not drop when that happens, so nobody identifies again by
 * themselves: without this every connected headset stayed unknown.
 *
 * Each process checks its own sockets (no lease). The features register what
 * to check (fleet: identified headsets; locks: the locks its tablets follow). A
 * handler that finds a record missing, or the store reconnecting, asks for a
 * check at once; otherwise it runs every interval.
 */
export class StoreRecovery {
  private readonly task: PeriodicTask;
  private readonly checks: Array<{ name: string; check: RecoveryCheck }> = [];

  constructor(
    private readonly io: CaptureIo,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask('store-recovery', intervalMs, async () => void (await this.check()), logger);
  }

  add(name: string, check: RecoveryCheck): void {
    this.checks.push({ name, check });
  }

  start(): void {
    this.task.start();
  }

  stop(): void {
    this.task.stop();
  }

  /** A record was found missing, or the store reconnected: check now (a check already running covers it). */
  requestCheck(): void {
    void this.task.runOnce();
  }

  /** Runs every check in registration order; answers what each restored. */
  async check(): Promise<Record<string, number>> {
    const sockets = [...this.io.of('/').sockets.values()].filter((s) => s.connected);
    const restored: Record<string, number> = {};
    for (const { name, check } of this.checks) restored[name] = await check(sockets);
    if (Object.values(restored).some((n) => n > 0)) {
      this.logger.warn(restored, 'the state store had lost records of open connections; restored them');
    }
    return restored;
  }
}

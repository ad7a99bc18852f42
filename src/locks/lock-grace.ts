import type { Logger } from 'pino';
import type { LockService } from './lock-service';

export interface LockGraceOptions {
  graceMs: number;
  /** Whether the tablet has a connection anywhere (any process). */
  isTabletConnected: (tabletId: string) => Promise<boolean>;
  /** Called with what was released when a tablet's grace ran out. */
  onReleased: (tabletId: string, deviceIds: string[]) => void;
}

/**
 * A tablet that drops off Wi-Fi keeps its locks for a grace period; if it is
 * still gone when the period ends, its locks are released. One timer per
 * absent tablet, removed when it fires or the tablet returns.
 */
export class LockGrace {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly locks: LockService,
    private readonly options: LockGraceOptions,
    private readonly logger: Logger,
  ) {}

  tabletLeft(tabletId: string): void {
    this.tabletReturned(tabletId);
    const timer = setTimeout(() => void this.expire(tabletId), this.options.graceMs);
    timer.unref();
    this.timers.set(tabletId, timer);
  }

  tabletReturned(tabletId: string): void {
    const timer = this.timers.get(tabletId);
    if (timer) clearTimeout(timer);
    this.timers.delete(tabletId);
  }

  isPending(tabletId: string): boolean {
    return this.timers.has(tabletId);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async expire(tabletId: string): Promise<void> {
    this.timers.delete(tabletId);
    try {
      // It may have come back through another process.
      if (await this.options.isTabletConnected(tabletId)) return;
      const released = await this.locks.unlockAll(tabletId);
      if (released.length > 0) this.options.onReleased(tabletId, released);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, tabletId }, 'lock grace expiry failed; retrying');
      this.tabletLeft(tabletId);
    }
  }
}

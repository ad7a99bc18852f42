/**
 * Runs `task` once, `delayMs` after the first of any number of requests: a
 * burst of changes (a lab's headsets reconnecting at once) becomes one run.
 *
 * Runs never overlap, and the pause before the next run grows with what the
 * last one cost (`costFactor` × its duration): a task that reads the whole
 * fleet gets slower as the fleet grows, and with 10,000 headsets reconnecting a
 * fixed 50 ms would start runs faster than they finish, re-reading every
 * device hundreds of times. So at most 1 / (costFactor + 1) of the time goes
 * to the task, whatever the fleet size; a small fleet still hears in `delayMs`.
 */
export class Coalesced {
  private timer?: NodeJS.Timeout;
  private running = false;
  private requestedWhileRunning = false;
  private lastCostMs = 0;
  private readonly costFactor: number;
  private readonly now: () => number;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly delayMs: number,
    options: { costFactor?: number; now?: () => number } = {},
  ) {
    this.costFactor = options.costFactor ?? 4;
    this.now = options.now ?? Date.now;
  }

  request(): void {
    if (this.running) this.requestedWhileRunning = true;
    else if (!this.timer) this.schedule();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.requestedWhileRunning = false;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.run(), Math.max(this.delayMs, this.lastCostMs * this.costFactor));
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    const began = this.now();
    try {
      await this.task();
    } catch {
      // The task reports its own failures (the notifier logs them); a rejection here must not end the process.
    } finally {
      this.lastCostMs = this.now() - began;
      this.running = false;
      // A change during the run may not be in what it sent: one more run covers it.
      if (this.requestedWhileRunning) {
        this.requestedWhileRunning = false;
        this.schedule();
      }
    }
  }
}

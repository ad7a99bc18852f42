/**
 * Runs `task` once, `delayMs` after the first of any number of requests: a
 * burst of changes (a lab's headsets reconnecting at once) becomes one run.
 */
export class Coalesced {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  request(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.task();
    }, this.delayMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

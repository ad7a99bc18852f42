/**
 * Runs one socket's tasks one after another, in the order they were added,
 * so each control-event handler sees the state the previous one left. Each
 * socket has its own queue: a slow handler delays only its own socket. The
 * queue is bounded; a task beyond the bound is refused, not queued.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly limit: number) {}

  /** Tasks added and not yet finished. */
  get size(): number {
    return this.waiting;
  }

  /** Adds a task that must not reject (its errors are its own to handle); false when the queue is full. */
  add(task: () => Promise<void> | void): boolean {
    if (this.waiting >= this.limit) return false;
    this.waiting++;
    this.tail = this.tail.then(task).finally(() => {
      this.waiting--;
    });
    return true;
  }
}

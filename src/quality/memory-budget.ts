/** An analysis needs more memory than the whole budget: it can never run. */
export class BudgetExceededError extends Error {
  constructor(
    readonly requested: number,
    readonly total: number,
  ) {
    super(`decoding needs ${requested} bytes, more than the ${total}-byte memory budget for QA`);
    this.name = 'BudgetExceededError';
  }
}

/**
 * Bytes shared by every analysis under way: each reserves what its decoded
 * arrays will take before decoding and gives it back after, so four files
 * scored at once cannot together take four times the per-file limit. Waiters
 * are served in arrival order, so a big file is not starved by small ones.
 */
export class MemoryBudget {
  private available: number;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly total: number) {
    this.available = total;
  }

  /** Resolves with a release function once `bytes` are reserved; throws BudgetExceededError if they never can be. */
  async acquire(bytes: number): Promise<() => void> {
    if (bytes > this.total) throw new BudgetExceededError(bytes, this.total);
    if (this.waiting.length > 0 || bytes > this.available) {
      await new Promise<void>((grant) => this.waiting.push({ bytes, grant }));
    } else {
      this.available -= bytes;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.available += bytes;
      this.serve();
    };
  }

  /** Bytes not reserved now. */
  get free(): number {
    return this.available;
  }

  private serve(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.bytes <= this.available) {
      const next = this.waiting.shift()!;
      this.available -= next.bytes;
      next.grant();
    }
  }
}

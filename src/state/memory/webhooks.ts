import type { WebhookAttempt, WebhookDelivery, WebhookSettlement, WebhookStore } from '../webhook-types';

const copy = <T>(value: T): T => structuredClone(value);
/** The attempt log's length, as the Redis stream's cap. */
export const WEBHOOK_ATTEMPT_LOG_LENGTH = 1000;

export class MemoryWebhookStore implements WebhookStore {
  private readonly pending = new Map<string, WebhookDelivery>();
  private readonly attempts: WebhookAttempt[] = [];

  constructor(private readonly maxAgeMs: number) {}

  async enqueue(deliveries: readonly WebhookDelivery[], maxPending: number): Promise<number> {
    let refused = 0;
    for (const d of deliveries) {
      if (this.pending.size >= maxPending) refused++;
      else this.pending.set(d.deliveryId, copy(d));
    }
    return refused;
  }

  async claimDue(now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]> {
    const due = [...this.pending.values()]
      .filter((d) => d.nextAttemptAt.getTime() <= now.getTime())
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit);
    for (const d of due) d.nextAttemptAt = new Date(now.getTime() + claimMs);
    return due.map(copy);
  }

  async settle(delivery: WebhookDelivery, settlement: WebhookSettlement, attempt: WebhookAttempt): Promise<void> {
    this.attempts.unshift(copy(attempt));
    if (this.attempts.length > WEBHOOK_ATTEMPT_LOG_LENGTH) this.attempts.length = WEBHOOK_ATTEMPT_LOG_LENGTH;
    const stored = this.pending.get(delivery.deliveryId);
    if (!stored) return;
    if (settlement.outcome === 'retrying')
      Object.assign(stored, { attempts: stored.attempts + 1, nextAttemptAt: settlement.nextAttemptAt });
    else this.pending.delete(delivery.deliveryId);
  }

  async recentAttempts(limit: number): Promise<WebhookAttempt[]> {
    return this.attempts.slice(0, limit).map(copy);
  }

  async pendingCount(): Promise<number> {
    return this.pending.size;
  }

  /** Deliveries older than the maximum age are forgotten (the dispatcher gives them up first when it can). */
  purgeExpired(now = Date.now()): void {
    for (const [id, d] of this.pending) if (now - d.createdAt.getTime() >= this.maxAgeMs + 3600_000) this.pending.delete(id);
  }
}

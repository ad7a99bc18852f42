import type { WebhookAttempt, WebhookDelivery, WebhookSettlement, WebhookStore } from '../webhook-types';

const copy = <T>(value: T): T => structuredClone(value);
/** The attempt log's length, as the Redis stream's cap. */
export const WEBHOOK_ATTEMPT_LOG_LENGTH = 1000;

export class MemoryWebhookStore implements WebhookStore {
  /** Receiver ID -> its deliveries by ID. */
  private readonly queues = new Map<string, Map<string, WebhookDelivery>>();
  private readonly attempts: WebhookAttempt[] = [];

  constructor(private readonly maxAgeMs: number) {}

  async enqueue(deliveries: readonly WebhookDelivery[], maxPendingPerReceiver: number): Promise<string[]> {
    const refused: string[] = [];
    for (const d of deliveries) {
      const queue = this.queues.get(d.receiver) ?? new Map<string, WebhookDelivery>();
      if (queue.size >= maxPendingPerReceiver) refused.push(d.receiver);
      else this.queues.set(d.receiver, queue.set(d.deliveryId, copy(d)));
    }
    return refused;
  }

  async claimDue(receiver: string, now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]> {
    const due = [...(this.queues.get(receiver)?.values() ?? [])]
      .filter((d) => d.nextAttemptAt.getTime() <= now.getTime())
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit);
    const claimed = due.map(copy);
    for (const d of due) d.nextAttemptAt = new Date(now.getTime() + claimMs);
    return claimed;
  }

  async settle(delivery: WebhookDelivery, settlement: WebhookSettlement, attempt: WebhookAttempt): Promise<void> {
    this.attempts.unshift(copy(attempt));
    if (this.attempts.length > WEBHOOK_ATTEMPT_LOG_LENGTH) this.attempts.length = WEBHOOK_ATTEMPT_LOG_LENGTH;
    const queue = this.queues.get(delivery.receiver);
    const stored = queue?.get(delivery.deliveryId);
    if (!queue || !stored) return;
    if (settlement.outcome === 'retrying')
      Object.assign(stored, { attempts: stored.attempts + 1, nextAttemptAt: settlement.nextAttemptAt });
    else queue.delete(delivery.deliveryId);
  }

  async recentAttempts(limit: number): Promise<WebhookAttempt[]> {
    return this.attempts.slice(0, limit).map(copy);
  }

  async pending(receivers: readonly string[]): Promise<Record<string, number>> {
    return Object.fromEntries(receivers.map((r) => [r, this.queues.get(r)?.size ?? 0]));
  }

  /** Deliveries older than the maximum age are forgotten (the dispatcher gives them up first when it can). */
  purgeExpired(now = Date.now()): void {
    for (const [receiver, queue] of this.queues) {
      for (const [id, d] of queue) if (now - d.createdAt.getTime() >= this.maxAgeMs + 3600_000) queue.delete(id);
      if (queue.size === 0) this.queues.delete(receiver);
    }
  }
}

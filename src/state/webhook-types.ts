/** One event on its way to one receiver. */
export interface WebhookDelivery {
  deliveryId: string;
  eventId: string;
  event: string;
  url: string;
  /** The exact JSON sent (and signed). */
  body: string;
  createdAt: Date;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAt: Date;
}

/** One attempt, for GET /api/webhooks/deliveries. `url` is shown without credentials or query. */
export interface WebhookAttempt {
  deliveryId: string;
  eventId: string;
  event: string;
  url: string;
  attempt: number;
  at: Date;
  outcome: 'delivered' | 'retrying' | 'gave-up';
  status?: number;
  error?: string;
  durationMs: number;
}

/** What became of an attempt: delivered, to be tried again at a time, or given up. */
export type WebhookSettlement = { outcome: 'delivered' } | { outcome: 'retrying'; nextAttemptAt: Date } | { outcome: 'gave-up' };

/**
 * Webhook deliveries waiting to be sent, kept in the store so they survive a
 * restart. claimDue is atomic: of several processes polling, each delivery
 * attempt goes to one.
 */
export interface WebhookStore {
  /** Queues deliveries unless `maxPending` are already waiting; returns how many were refused. */
  enqueue(deliveries: readonly WebhookDelivery[], maxPending: number): Promise<number>;
  /** Deliveries due at `now` (at most `limit`), each hidden from other claims for `claimMs`. */
  claimDue(now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]>;
  /** Records the attempt and what follows: removed when delivered or given up, rescheduled otherwise. */
  settle(delivery: WebhookDelivery, settlement: WebhookSettlement, attempt: WebhookAttempt): Promise<void>;
  /** Newest first, from a log capped in length. */
  recentAttempts(limit: number): Promise<WebhookAttempt[]>;
  pendingCount(): Promise<number>;
}

/** One event on its way to one receiver. */
export interface WebhookDelivery {
  deliveryId: string;
  eventId: string;
  event: string;
  /**
   * The receiver's ID (a hash of its URL): its queue. The URL itself is not
   * stored; the dispatcher finds it in its configuration.
   */
  receiver: string;
  /** The exact JSON sent (and signed). */
  body: string;
  createdAt: Date;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAt: Date;
}

/** One attempt, for GET /api/webhooks/deliveries. `receiver` is the receiver's label (its host), never its URL. */
export interface WebhookAttempt {
  deliveryId: string;
  eventId: string;
  event: string;
  receiver: string;
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
 * restart, in one queue per receiver: a receiver that fails fills its own
 * queue only. claimDue is atomic: of several processes polling, each delivery
 * attempt goes to one.
 */
export interface WebhookStore {
  /**
   * Queues each delivery unless its receiver already has `maxPendingPerReceiver`
   * waiting (checked atomically per receiver); returns the receiver IDs whose delivery was refused.
   */
  enqueue(deliveries: readonly WebhookDelivery[], maxPendingPerReceiver: number): Promise<string[]>;
  /** The receiver's deliveries due at `now` (at most `limit`), each hidden from other claims for `claimMs`. */
  claimDue(receiver: string, now: Date, limit: number, claimMs: number): Promise<WebhookDelivery[]>;
  /** Records the attempt and what follows: removed when delivered or given up, rescheduled otherwise. */
  settle(delivery: WebhookDelivery, settlement: WebhookSettlement, attempt: WebhookAttempt): Promise<void>;
  /** Newest first, from a log capped in length. */
  recentAttempts(limit: number): Promise<WebhookAttempt[]>;
  /** Deliveries waiting (claimed ones included), per receiver asked about. */
  pending(receivers: readonly string[]): Promise<Record<string, number>>;
}

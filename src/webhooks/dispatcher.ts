import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { WebhookAttempt, WebhookDelivery, WebhookSettlement, WebhookStore } from '../state/types';
import { postWithDeadline, type DeadlinePost } from './deadline-post';
import type { Receiver } from './receivers';
import { signWebhook } from './signature';

/** The first retry waits this long, each next one twice as long, up to the cap (plus up to 20 % jitter). */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15 * 60_000;
/** What an error message may say in the delivery log. */
const MAX_ERROR_LENGTH = 200;

export interface DispatcherConfig {
  secret: string;
  timeoutMs: number;
  /** Requests in flight at once per receiver, in this process. */
  concurrency: number;
  maxAgeMs: number;
}

export interface DispatcherDeps {
  config: DispatcherConfig;
  store: WebhookStore;
  logger: Logger;
  outcomes: Counter<'outcome'>;
}

/** One receiver's slots in this process. */
interface Lane {
  receiver: Receiver;
  inFlight: number;
  polling: boolean;
}

/**
 * Sends due deliveries, each receiver in its own lane: a receiver has its own
 * request slots (WEBHOOK_CONCURRENCY) and its own queue in the store, so one
 * that hangs or fails uses up only its own. Every attempt ends by
 * WEBHOOK_TIMEOUT_MS (postWithDeadline), then is settled by the retry policy.
 */
export class WebhookDispatcher {
  private readonly lanes: Lane[];
  private readonly inFlight = new Set<DeadlinePost>();
  private stopped = false;

  constructor(
    receivers: readonly Receiver[],
    private readonly d: DispatcherDeps,
  ) {
    this.lanes = receivers.map((receiver) => ({ receiver, inFlight: 0, polling: false }));
  }

  /** Claims what is due for every receiver with a free slot, and sends it. */
  async poll(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => this.pollLane(lane)));
  }

  /** Aborts requests in flight; their deliveries are tried again (by this or another process). */
  stop(): void {
    this.stopped = true;
    for (const post of this.inFlight) post.abort('aborted at shutdown');
  }

  /** Requests in flight per receiver label (this process). */
  inFlightByReceiver(): Record<string, number> {
    return Object.fromEntries(this.lanes.map((l) => [l.receiver.label, l.inFlight]));
  }

  private async pollLane(lane: Lane): Promise<void> {
    if (lane.polling || this.stopped) return;
    const free = this.d.config.concurrency - lane.inFlight;
    if (free <= 0) return;
    lane.polling = true;
    try {
      // Hidden from other processes for longer than one attempt can take.
      const claimed = await this.d.store.claimDue(lane.receiver.id, new Date(), free, this.d.config.timeoutMs + 5_000);
      for (const delivery of claimed) {
        lane.inFlight++;
        void this.attempt(lane.receiver, delivery).finally(() => {
          lane.inFlight--;
          // A freed slot takes the receiver's next due delivery now, not at the next poll.
          void this.pollLane(lane);
        });
      }
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message, receiver: lane.receiver.label }, 'webhook poll failed; will retry');
    } finally {
      lane.polling = false;
    }
  }

  private async attempt(receiver: Receiver, delivery: WebhookDelivery): Promise<void> {
    const started = Date.now();
    const post = postWithDeadline(
      receiver.url,
      {
        body: delivery.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'capture-backend-webhooks',
          'x-capture-signature': signWebhook(delivery.body, this.d.config.secret),
          'x-capture-event': delivery.event,
          'x-capture-delivery': delivery.deliveryId,
        },
      },
      this.d.config.timeoutMs,
    );
    this.inFlight.add(post);
    const { status, error } = await post.done;
    this.inFlight.delete(post);
    const now = Date.now();
    const settlement = this.settlement(delivery, error === undefined, now);
    const attempt: WebhookAttempt = {
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      event: delivery.event,
      receiver: receiver.label,
      attempt: delivery.attempts + 1,
      at: new Date(started),
      outcome: settlement.outcome,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error: error.slice(0, MAX_ERROR_LENGTH) } : {}),
      durationMs: now - started,
    };
    this.d.outcomes.inc({ outcome: settlement.outcome });
    if (settlement.outcome === 'gave-up') {
      this.d.logger.warn(
        { event: delivery.event, eventId: delivery.eventId, receiver: receiver.label, attempts: attempt.attempt },
        'webhook given up',
      );
    }
    try {
      await this.d.store.settle(delivery, settlement, attempt);
    } catch (err) {
      // Unsettled, the claim runs out and the delivery is tried again: at least once.
      this.d.logger.warn({ err: (err as Error).message, deliveryId: delivery.deliveryId }, 'could not record a webhook attempt');
    }
  }

  private settlement(delivery: WebhookDelivery, ok: boolean, now: number): WebhookSettlement {
    if (ok) return { outcome: 'delivered' };
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(delivery.attempts, 20)) * (1 + Math.random() * 0.2);
    const next = now + delay;
    if (next - delivery.createdAt.getTime() > this.d.config.maxAgeMs) return { outcome: 'gave-up' };
    return { outcome: 'retrying', nextAttemptAt: new Date(next) };
  }
}

import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config';
import type { DomainEvents } from '../domain/events';
import type { Store, WebhookAttempt, WebhookDelivery, WebhookSettlement } from '../state/types';
import { alarmView } from '../alarms';

export type WebhookConfig = Config['webhooks'];

/** The events receivers get, as the issue spells them. */
export const WEBHOOK_EVENTS = ['alarm.raised', 'alarm.cleared', 'recording.verified', 'recording.rejected', 'session.ended'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The first retry waits this long, each next one twice as long, up to the cap (plus up to 20 % jitter). */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15 * 60_000;
/** What an error message may say in the delivery log. */
const MAX_ERROR_LENGTH = 200;

/** The signature header's value: HMAC-SHA256 of the exact body bytes with WEBHOOK_SECRET, in hex. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A receiver's URL as logs and GET /api/webhooks/deliveries show it: no credentials, no query. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'invalid URL';
  }
}

export interface WebhookServiceDeps {
  config: WebhookConfig;
  store: Store;
  events: DomainEvents;
  logger: Logger;
  registry: Registry;
}

/**
 * Signed webhooks, delivered at least once. Events become deliveries in the
 * store (one per receiver) off the publisher's path, so a restart loses none
 * and the event that caused one never waits. Every process polls; claiming is
 * atomic in the store, so each attempt is made by one process. At most
 * WEBHOOK_CONCURRENCY requests are in flight per process, each bounded by
 * WEBHOOK_TIMEOUT_MS, and at most WEBHOOK_MAX_PENDING deliveries wait, so a
 * slow or dead receiver costs bounded memory.
 */
export class WebhookService {
  private readonly unsubscribe: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private polling = false;
  private stopped = false;
  /** Aborts requests in flight at shutdown; their deliveries are tried again (by this or another process). */
  private readonly shutdown = new AbortController();
  private readonly outcomes: Counter<'outcome'>;

  constructor(private readonly d: WebhookServiceDeps) {
    this.outcomes = new Counter({
      name: 'turing_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retrying, gave-up), and events refused because too many deliveries waited (refused)',
      labelNames: ['outcome'],
      registers: [d.registry],
    });
  }

  get enabled(): boolean {
    return this.d.config.urls.length > 0 && this.d.config.secret !== undefined;
  }

  start(): this {
    if (!this.enabled) return this;
    const { events } = this.d;
    this.unsubscribe.push(
      events.on('alarm.changed', ({ alarmId, change }) => {
        if (change !== 'raised' && change !== 'cleared') return;
        this.offPath(async () => {
          const alarm = await this.d.store.alarms.get(alarmId);
          if (alarm) await this.enqueue(change === 'raised' ? 'alarm.raised' : 'alarm.cleared', alarmView(alarm));
        });
      }),
      events.on('recording.verdict', (verdict) => {
        this.offPath(() => this.enqueue(verdict.verdict === 'pass' ? 'recording.verified' : 'recording.rejected', verdict));
      }),
      events.on('session.changed', ({ session, change }) => {
        if (change !== 'ended') return;
        this.offPath(() =>
          this.enqueue('session.ended', {
            sessionId: session.sessionId,
            tabletId: session.tabletId,
            deviceIds: session.deviceIds,
            createdAt: session.createdAt.toISOString(),
            startedAt: session.startedAt?.toISOString(),
            endedAt: session.endedAt?.toISOString(),
            endReason: session.endReason,
          }),
        );
      }),
    );
    this.timer = setInterval(() => void this.poll(), this.d.config.pollIntervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.shutdown.abort();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Turns one event into a delivery per receiver, in the store. */
  async enqueue(event: WebhookEvent, data: unknown): Promise<void> {
    const eventId = randomUUID();
    const now = new Date();
    const body = JSON.stringify({ id: eventId, type: event, timestamp: now.toISOString(), data });
    const deliveries: WebhookDelivery[] = this.d.config.urls.map((url) => ({
      deliveryId: randomUUID(),
      eventId,
      event,
      url,
      body,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
    }));
    const refused = await this.d.store.webhooks.enqueue(deliveries, this.d.config.maxPending);
    if (refused > 0) {
      this.outcomes.inc({ outcome: 'refused' }, refused);
      this.d.logger.warn({ event, eventId, refused }, 'webhook queue full (WEBHOOK_MAX_PENDING); deliveries refused');
    }
    // Sent at once rather than at the next poll.
    void this.poll();
  }

  /** Recent attempts (newest first) and how many deliveries wait. */
  async deliveries(limit: number): Promise<{ pending: number; attempts: WebhookAttempt[] }> {
    const [pending, attempts] = await Promise.all([this.d.store.webhooks.pendingCount(), this.d.store.webhooks.recentAttempts(limit)]);
    return { pending, attempts };
  }

  /** Claims what is due, up to the free request slots, and sends it. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const free = this.d.config.concurrency - this.inFlight;
      if (free <= 0) return;
      // Hidden from other processes for longer than one attempt can take.
      const claimed = await this.d.store.webhooks.claimDue(new Date(), free, this.d.config.timeoutMs + 5_000);
      for (const delivery of claimed) {
        this.inFlight++;
        void this.attempt(delivery).finally(() => {
          this.inFlight--;
        });
      }
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message }, 'webhook poll failed; will retry');
    } finally {
      this.polling = false;
    }
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const started = Date.now();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        body: delivery.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'capture-backend-webhooks',
          'x-capture-signature': signWebhook(delivery.body, this.d.config.secret ?? ''),
          'x-capture-event': delivery.event,
          'x-capture-delivery': delivery.deliveryId,
        },
        signal: AbortSignal.any([AbortSignal.timeout(this.d.config.timeoutMs), this.shutdown.signal]),
        redirect: 'manual',
      });
      status = res.status;
      // The answer's body is not read, so a receiver cannot make this process hold one.
      await res.body?.cancel().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === 'TimeoutError' ? `timeout after ${this.d.config.timeoutMs} ms` : (e.cause?.code ?? e.message);
    }
    const now = Date.now();
    const settlement = this.settlement(delivery, error === undefined, now);
    const attempt: WebhookAttempt = {
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      event: delivery.event,
      url: shownUrl(delivery.url),
      attempt: delivery.attempts + 1,
      at: new Date(started),
      outcome: settlement.outcome,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error: error.slice(0, MAX_ERROR_LENGTH) } : {}),
      durationMs: now - started,
    };
    this.outcomes.inc({ outcome: settlement.outcome });
    if (settlement.outcome === 'gave-up') {
      this.d.logger.warn(
        { event: delivery.event, eventId: delivery.eventId, url: attempt.url, attempts: attempt.attempt },
        'webhook given up',
      );
    }
    try {
      await this.d.store.webhooks.settle(delivery, settlement, attempt);
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

  private offPath(work: () => Promise<void>): void {
    work().catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message }, 'could not queue a webhook'));
  }
}

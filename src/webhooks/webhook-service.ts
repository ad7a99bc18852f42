import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config';
import type { DomainEvents } from '../domain/events';
import type { Store, WebhookAttempt, WebhookDelivery } from '../state/types';
import { alarmView } from '../alarms';
import { WebhookDispatcher } from './dispatcher';
import { receiversOf, type Receiver } from './receivers';
import { AlarmBursts } from './alarm-bursts';

export { signWebhook } from './signature';

export type WebhookConfig = Config['webhooks'];

/** The events receivers get, as the issue spells them. */
export const WEBHOOK_EVENTS = [
  'alarm.raised',
  'alarm.cleared',
  'alarm.summary',
  'recording.verified',
  'recording.rejected',
  'session.ended',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookServiceDeps {
  config: WebhookConfig;
  store: Store;
  events: DomainEvents;
  logger: Logger;
  registry: Registry;
}

/** Deliveries waiting and requests in flight for one receiver, shown by its label. */
export interface ReceiverQueue {
  receiver: string;
  pending: number;
  inFlight: number;
}

/**
 * Signed webhooks, delivered at least once. Events become deliveries in the
 * store (one per receiver, in that receiver's queue) off the publisher's path,
 * so a restart loses none and the event that caused one never waits. Every
 * process polls; claiming is atomic in the store, so each attempt is made by
 * one process. Each receiver has its own WEBHOOK_CONCURRENCY request slots per
 * process and its own WEBHOOK_MAX_PENDING queue, and every attempt ends by
 * WEBHOOK_TIMEOUT_MS: a slow or dead receiver costs bounded memory and delays
 * or refuses nothing of another receiver's.
 */
export class WebhookService {
  private readonly unsubscribe: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private summaryTimer?: NodeJS.Timeout;
  private readonly bursts: AlarmBursts;
  private stopped = false;
  private readonly outcomes: Counter<'outcome'>;
  private readonly receivers: Receiver[];
  private readonly dispatcher: WebhookDispatcher;

  constructor(private readonly d: WebhookServiceDeps) {
    this.outcomes = new Counter({
      name: 'turing_webhook_attempts_total',
      help: "Webhook delivery attempts by outcome (delivered, retrying, gave-up), and deliveries refused because their receiver's queue was full (refused)",
      labelNames: ['outcome'],
      registers: [d.registry],
    });
    this.receivers = receiversOf(d.config.urls);
    this.bursts = new AlarmBursts({ store: d.store, logger: d.logger, windowMs: d.config.alarmWindowMs });
    this.dispatcher = new WebhookDispatcher(this.receivers, {
      config: { ...d.config, secret: d.config.secret ?? '' },
      store: d.store.webhooks,
      logger: d.logger,
      outcomes: this.outcomes,
    });
  }

  get enabled(): boolean {
    return this.receivers.length > 0 && this.d.config.secret !== undefined;
  }

  start(): this {
    if (!this.enabled) return this;
    const { events } = this.d;
    this.unsubscribe.push(
      events.on('alarm.changed', ({ alarmId, deviceId, change }) => {
        if (change !== 'raised' && change !== 'cleared') return;
        this.offPath(async () => {
          if (await this.bursts.held(deviceId, change, alarmId)) return;
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
    if (this.bursts.enabled) {
      const every = Math.max(1_000, Math.min(10_000, Math.floor(this.d.config.alarmWindowMs / 6)));
      this.summaryTimer = setInterval(() => this.offPath(() => this.sendAlarmSummaries()), every);
      this.summaryTimer.unref();
    }
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.summaryTimer);
    this.dispatcher.stop();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Turns one event into a delivery per receiver, each in its receiver's queue in the store. */
  async enqueue(event: WebhookEvent, data: unknown): Promise<void> {
    const eventId = randomUUID();
    const now = new Date();
    const body = JSON.stringify({ id: eventId, type: event, timestamp: now.toISOString(), data });
    const deliveries: WebhookDelivery[] = this.receivers.map((r) => ({
      deliveryId: randomUUID(),
      eventId,
      event,
      receiver: r.id,
      body,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
    }));
    const refused = await this.d.store.webhooks.enqueue(deliveries, this.d.config.maxPending);
    if (refused.length > 0) {
      this.outcomes.inc({ outcome: 'refused' }, refused.length);
      const receivers = this.receivers.filter((r) => refused.includes(r.id)).map((r) => r.label);
      this.d.logger.warn({ event, eventId, receivers }, "webhook receiver's queue full (WEBHOOK_MAX_PENDING); delivery refused");
    }
    // Sent at once rather than at the next poll.
    void this.poll();
  }

  /** Recent attempts (newest first), and per receiver how many deliveries wait and how many requests are in flight here. */
  async deliveries(limit: number): Promise<{ pending: number; receivers: ReceiverQueue[]; attempts: WebhookAttempt[] }> {
    const [pending, attempts] = await Promise.all([
      this.d.store.webhooks.pending(this.receivers.map((r) => r.id)),
      this.d.store.webhooks.recentAttempts(limit),
    ]);
    const inFlight = this.dispatcher.inFlightByReceiver();
    const receivers = this.receivers.map((r) => ({ receiver: r.label, pending: pending[r.id] ?? 0, inFlight: inFlight[r.label] ?? 0 }));
    return { pending: receivers.reduce((sum, r) => sum + r.pending, 0), receivers, attempts };
  }

  /** Claims what is due, up to each receiver's free request slots, and sends it. */
  async poll(): Promise<void> {
    if (!this.stopped) await this.dispatcher.poll();
  }

  /** One alarm.summary per headset whose window of alarm webhooks ended holding transitions. */
  async sendAlarmSummaries(): Promise<void> {
    for (const summary of await this.bursts.due()) await this.enqueue('alarm.summary', summary);
  }

  private offPath(work: () => Promise<void>): void {
    work().catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message }, 'could not queue a webhook'));
  }
}

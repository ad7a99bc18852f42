import type { Logger } from 'pino';
import { z } from 'zod';
import type { Metrics } from '../metrics';
import type { ClientToServerEvents, DeviceType } from '../protocol';
import { TokenBucket } from './rate-limiter';
import { describeZodError } from '../validation';
import { isStoreUnavailable, STORE_UNAVAILABLE_MESSAGE } from '../state/errors';
import type { CaptureSocket } from './types';

export type EventName = keyof ClientToServerEvents;
export type AckResponse = { ok: true; [key: string]: unknown } | { ok: false; error: string };

/** A refusal with a reason the client may see. */
export class EventRejection extends Error {
  constructor(
    readonly reason: string,
    readonly metricReason = 'refused',
  ) {
    super(reason);
    this.name = 'EventRejection';
  }
}

export interface EventSpec<T> {
  /** Client kinds (from the token) allowed to send this event. */
  roles: readonly DeviceType[];
  /** Schema of the event's arguments (without the optional ack). */
  args: z.ZodType<T>;
  /** Counted against the socket's control-event rate limit (default true). */
  limited?: boolean;
}

/** Arguments are a single payload (extra trailing arguments from old clients are ignored). */
export const one = <S extends z.ZodType>(schema: S) =>
  z.tuple([schema]).rest(z.unknown()).transform((args) => args[0] as z.output<S>);
/** An event without a payload. */
export const none = z.array(z.unknown()).transform(() => undefined);

export interface EventRouterDeps {
  metrics: Metrics;
  logger: Logger;
  rateLimit: { perSecond: number; burst: number };
}

const REJECTION_NOTICE_INTERVAL_MS = 1_000;

/**
 * Registers a socket's event handlers behind one gate: role check, rate
 * limit, payload validation, metrics, and error containment. A handler only
 * ever sees a validated payload, and nothing it throws can escape to the process.
 */
export class EventRouter {
  private readonly registered = new Set<string>();
  private readonly limiter: TokenBucket;
  private lastNotice = 0;

  constructor(
    private readonly socket: CaptureSocket,
    private readonly deps: EventRouterDeps,
  ) {
    this.limiter = new TokenBucket(deps.rateLimit.perSecond, deps.rateLimit.burst);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && this.registered.has(event)) return;
      this.deps.metrics.socketEventsRejected.inc({ event: 'unknown', reason: 'unknown_event' });
      // A client waiting for an answer gets one instead of its own timeout.
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: AckResponse) => void)({ ok: false, error: 'unknown event' });
    });
  }

  on<T>(event: EventName, spec: EventSpec<T>, handler: (payload: T) => Promise<AckResponse | void>): void {
    this.registered.add(event);
    const listener = async (...raw: unknown[]) => {
      const ack = this.received(event, raw);
      try {
        this.authorize(event, spec);
        if (spec.limited !== false && !this.limiter.take()) {
          throw new EventRejection('rate limit exceeded', 'rate_limited');
        }
        const parsed = spec.args.safeParse(raw);
        // The first path element is the argument index, not the client's field.
        if (!parsed.success) throw new EventRejection(`invalid payload: ${describeZodError(parsed.error, 1)}`, 'invalid');
        const result = await handler(parsed.data);
        ack?.(result ?? { ok: true });
      } catch (err) {
        this.reject(event, err, ack);
      }
    };
    this.socket.on(event, listener);
  }

  /**
   * A hot-path event (live frames) that skips the rate limit and schema: its
   * handler checks its own arguments cheaply and synchronously. What it throws
   * is refused, counted and answered like any other event's refusal.
   */
  onHot(event: EventName, handler: (...raw: unknown[]) => AckResponse | void): void {
    this.registered.add(event);
    const listener = (...raw: unknown[]) => {
      const ack = this.received(event, raw);
      try {
        const result = handler(...raw);
        ack?.(result ?? { ok: true });
      } catch (err) {
        this.reject(event, err, ack);
      }
    };
    this.socket.on(event, listener);
  }

  /** Counts an incoming event and takes its ack callback (if any) off the arguments. */
  private received(event: EventName, raw: unknown[]): ((r: AckResponse) => void) | undefined {
    this.deps.metrics.socketEvents.inc({ event });
    this.deps.metrics.socketMessages.inc({ event_type: event, direction: 'in' });
    return typeof raw[raw.length - 1] === 'function' ? (raw.pop() as (r: AckResponse) => void) : undefined;
  }

  private authorize(event: EventName, spec: EventSpec<unknown>): void {
    const { authenticated, deviceType } = this.socket.data;
    // Unauthenticated sockets exist only with AUTH_REQUIRED=false: legacy clients are trusted.
    if (!authenticated) return;
    if (!deviceType || !spec.roles.includes(deviceType)) {
      throw new EventRejection(`${event} is not allowed for a ${deviceType ?? 'client'} token`, 'role');
    }
  }

  private reject(event: EventName, err: unknown, ack?: (r: AckResponse) => void): void {
    const rejection =
      err instanceof EventRejection
        ? err
        : isStoreUnavailable(err)
          ? new EventRejection(STORE_UNAVAILABLE_MESSAGE, 'store_unavailable')
          : undefined;
    const reason = rejection?.reason ?? 'internal error';
    const metricReason = rejection?.metricReason ?? 'error';
    this.deps.metrics.socketEventsRejected.inc({ event, reason: metricReason });
    if (rejection) {
      this.deps.logger.debug({ event, reason, socketId: this.socket.id }, 'socket event rejected');
    } else {
      this.deps.logger.error({ event, err, socketId: this.socket.id }, 'socket event handler failed');
    }
    ack?.({ ok: false, error: reason });
    // Rate-limited floods are not answered event by event; other refusals at most once a second.
    const now = Date.now();
    if (metricReason !== 'rate_limited' && now - this.lastNotice >= REJECTION_NOTICE_INTERVAL_MS) {
      this.lastNotice = now;
      this.socket.emit('on-event-rejected', { event, reason });
    }
  }
}

import type { Logger } from 'pino';
import { DomainError, isDomainError } from '../domain/errors';
import type { Metrics } from '../metrics';
import {
  clientEvents,
  type Ack,
  type AckAnswer,
  type ClientEventName,
  type ControlEventName,
  type HotEventName,
  type Payload,
  type Refusal,
  type NoticeEventName,
  type ServerToClientEvents,
} from '../protocol';
import { describeZodError } from '../validation';
import { TokenBucket } from './rate-limiter';
import { SerialQueue } from './serial-queue';
import type { CaptureSocket } from './types';

/** What a handler may return: its event's answer, or nothing when a bare `{ ok: true }` is its answer. */
export type HandlerResult<E extends ClientEventName> = Ack<E> | ({ ok: true } extends AckAnswer<E> ? void : never);
export type EventHandler<E extends ClientEventName> = (payload: Payload<E>) => Promise<HandlerResult<E>> | HandlerResult<E>;

export interface EventRouterDeps {
  metrics: Metrics;
  logger: Logger;
  rateLimit: { perSecond: number; burst: number };
  /** Shared by every socket's router (one per server). */
  counters: EventCounters;
}

interface IncomingCounters {
  received: { inc(): void };
  messagesIn: { inc(): void };
}

/**
 * The labelled counters of each incoming event, looked up once per server and
 * shared by every socket: looked up per socket, they were 2 objects per event
 * per connection (70 for a headset), a good part of what an idle socket holds.
 */
export class EventCounters {
  private readonly cache = new Map<string, IncomingCounters>();
  /** Every event some connection's router has a handler for (the API documents are checked against it). */
  readonly handled = new Set<string>();

  constructor(private readonly metrics: Metrics) {}

  of(event: ClientEventName): IncomingCounters {
    let counters = this.cache.get(event);
    if (!counters) {
      counters = {
        received: this.metrics.socketEvents.labels({ event }),
        messagesIn: this.metrics.socketMessages.labels({ event_type: event, direction: 'in' }),
      };
      this.cache.set(event, counters);
    }
    return counters;
  }
}

type AckFn = (answer: Ack<ClientEventName>) => void;

interface ControlRoute {
  event: ControlEventName;
  hot: false;
  handler: EventHandler<ControlEventName>;
  counters: IncomingCounters;
}
interface HotRoute {
  event: HotEventName;
  hot: true;
  handler: (...raw: unknown[]) => Ack<HotEventName> | void;
  /** False while a headset-identify is in flight: frames then wait behind it. */
  ready: () => boolean;
  counters: IncomingCounters;
}
type Route = ControlRoute | HotRoute;

const REJECTION_NOTICE_INTERVAL_MS = 1_000;
/** Control events of one socket waiting for the one before them; the rate limit keeps this far from full. */
const MAX_QUEUED_EVENTS = 100;

/**
 * Registers a socket's event handlers behind one gate: role check, rate
 * limit, payload validation (each from the event's spec in protocol/),
 * metrics, and error containment. Control events of one socket run one at a
 * time in arrival order; live frames run at once unless they must wait for
 * a pending headset-identify. A handler only ever sees a validated payload,
 * and nothing it throws can escape to the process.
 */
export class EventRouter {
  /**
   * This socket's events and their handlers, dispatched from the socket's one onAny listener by
   * receive() rather than each wrapped in closures and registered with socket.on: at a few
   * hundred bytes per event and connection, the wrappers were a good part of what a headset's
   * connection held beyond a bare Socket.IO server's (issue 38).
   */
  private readonly routes = new Map<string, Route>();
  private readonly limiter: TokenBucket;
  private readonly queue = new SerialQueue(MAX_QUEUED_EVENTS);
  private lastNotice = 0;

  constructor(
    private readonly socket: CaptureSocket,
    private readonly deps: EventRouterDeps,
  ) {
    this.limiter = new TokenBucket(deps.rateLimit.perSecond, deps.rateLimit.burst);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const route = typeof event === 'string' ? this.routes.get(event) : undefined;
      if (route) return this.receive(route, args);
      // Hot events are registered for every role (their handler refuses non-headsets itself), so only control events get here.
      if (typeof event === 'string' && Object.hasOwn(clientEvents, event)) {
        // An event of the protocol this socket's role may not send: not registered (see allowed()), refused as before.
        const known = event as ClientEventName;
        const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AckFn) : undefined;
        const { received, messagesIn } = this.deps.counters.of(known);
        received.inc();
        messagesIn.inc();
        try {
          this.checkToken();
          this.authorize(known, clientEvents[known].roles);
        } catch (err) {
          return this.reject(known, err, ack);
        }
      }
      this.deps.metrics.socketEventsRejected.inc({ event: 'unknown', reason: 'unknown_event' });
      // A client waiting for an answer gets one instead of its own timeout.
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as AckFn)({ ok: false, code: 'unknown_event', error: 'unknown event' });
    });
  }

  on<E extends ControlEventName>(event: E, handler: EventHandler<E>): void {
    const spec = clientEvents[event];
    if (!this.allowed(spec.roles)) return;
    this.route({
      event,
      hot: false, // The route keeps its own event's handler; receiveControl gives it that event's parsed payload only.
      handler: handler as unknown as EventHandler<ControlEventName>,
      counters: this.deps.counters.of(event),
    });
  }

  /**
   * The live-frame event: no rate limit, no schema and no queue; its handler
   * checks its own arguments cheaply and synchronously. A frame that arrives
   * while its socket is not `ready` (a headset-identify still in flight) waits
   * behind the control events instead of being refused.
   */
  onHot(event: HotEventName, handler: (...raw: unknown[]) => Ack<HotEventName> | void, ready: () => boolean): void {
    this.route({ event, hot: true, handler, ready, counters: this.deps.counters.of(event) });
  }

  /**
   * Sends an event to this socket alone, counted in turing_socket_messages_total
   * like every broadcast (FleetNotifier.emit). Handlers answer their own socket
   * through this, never through socket.emit, so no outgoing message goes uncounted.
   */
  reply<E extends NoticeEventName>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.deps.metrics.socketMessages.inc({ event_type: event, direction: 'out' });
    this.socket.emit(event, ...args);
  }

  /** Runs a task after every event of this socket received so far (disconnect handling). */
  afterPending(task: () => Promise<void>): void {
    // The disconnect task must run even when the queue is full: it is the one that frees state.
    if (!this.queue.add(task)) void task();
  }

  private route(route: Route): void {
    this.routes.set(route.event, route);
    this.deps.counters.handled.add(route.event);
  }

  private receive(route: Route, raw: unknown[]): void {
    route.counters.received.inc();
    route.counters.messagesIn.inc();
    const ack = typeof raw[raw.length - 1] === 'function' ? (raw.pop() as AckFn) : undefined;
    try {
      this.checkToken();
      if (route.hot) this.receiveHot(route, raw, ack);
      else this.receiveControl(route, raw, ack);
    } catch (err) {
      this.reject(route.event, err, ack);
    }
  }

  private receiveControl(route: ControlRoute, raw: unknown[], ack?: AckFn): void {
    const { event, handler } = route;
    const spec = clientEvents[event];
    // Checked on arrival, so a flood or a forbidden event never waits in the queue.
    this.authorize(event, spec.roles);
    if (!this.limiter.take()) {
      throw new DomainError('rate_limited', 'rate limit exceeded');
    }
    const parsed = spec.args.safeParse(raw);
    // The first path element is the argument index, not the client's field.
    if (!parsed.success) throw new DomainError('invalid', `invalid payload: ${describeZodError(parsed.error, 1)}`);
    const queued = this.queue.add(async () => {
      try {
        const result = await handler(parsed.data);
        ack?.(result ?? { ok: true });
      } catch (err) {
        this.reject(event, err, ack);
      }
    });
    if (!queued) throw new DomainError('rate_limited', 'too many events waiting; slow down');
  }

  private receiveHot(route: HotRoute, raw: unknown[], ack?: AckFn): void {
    if (route.ready() || this.queue.size === 0) return this.runHot(route, raw, ack);
    if (!this.queue.add(() => this.runHot(route, raw, ack))) throw new DomainError('rate_limited', 'too many events waiting; slow down');
  }

  private runHot({ event, handler }: HotRoute, raw: unknown[], ack?: AckFn): void {
    try {
      // Not `ack?.(handler())`: optional chaining would skip the handler when there is no ack.
      const result = handler(...raw);
      ack?.(result ?? { ok: true });
    } catch (err) {
      this.reject(event, err, ack);
    }
  }

  /** A token that expired while the socket stayed open grants nothing, even before its expiry timer closes the socket. */
  private checkToken(): void {
    const { tokenExpiresAt } = this.socket.data;
    if (tokenExpiresAt !== undefined && Date.now() >= tokenExpiresAt) {
      throw new DomainError('token_expired', 'token expired; reconnect with a fresh token');
    }
  }

  /**
   * Whether this socket's role may ever send an event: only those get a listener. A token's role
   * never changes on a connection, so a headset socket does not hold listeners (and their
   * closures) for the 30 tablet and dashboard events; those still get their refusal from onAny.
   * Unauthenticated sockets (AUTH_REQUIRED=false) may send everything.
   */
  private allowed(roles: readonly string[]): boolean {
    const { authenticated, deviceType } = this.socket.data;
    return !authenticated || (deviceType !== undefined && roles.includes(deviceType));
  }

  private authorize(event: ClientEventName, roles: readonly string[]): void {
    const { authenticated, deviceType } = this.socket.data;
    // Unauthenticated sockets exist only with AUTH_REQUIRED=false: legacy clients are trusted.
    if (!authenticated) return;
    if (!deviceType || !roles.includes(deviceType)) {
      throw new DomainError('role', `${event} is not allowed for a ${deviceType ?? 'client'} token`);
    }
  }

  private reject(event: ClientEventName, err: unknown, ack?: AckFn): void {
    const known = isDomainError(err) && err.code !== 'internal' ? err : undefined;
    const refusal: Refusal = known
      ? { ok: false, code: known.code, error: known.message }
      : { ok: false, code: 'internal', error: 'internal error' };
    this.deps.metrics.socketEventsRejected.inc({ event, reason: refusal.code });
    if (known && (known.code === 'role' || known.code === 'spoofed_identity')) {
      // Refused credentials are worth reading; ordinary refusals (a busy device, a bad payload) are not.
      const { deviceId, deviceType } = this.socket.data;
      this.deps.logger.warn(
        { event, code: known.code, reason: known.message, socketId: this.socket.id, deviceId, deviceType },
        'socket event refused',
      );
    } else if (known) {
      this.deps.logger.debug({ event, code: known.code, reason: known.message, socketId: this.socket.id }, 'socket event rejected');
    } else {
      this.deps.logger.error({ event, err, socketId: this.socket.id }, 'socket event handler failed');
    }
    ack?.(refusal);
    // Rate-limited floods are not answered event by event; other refusals at most once a second.
    const now = Date.now();
    if (known?.code !== 'rate_limited' && now - this.lastNotice >= REJECTION_NOTICE_INTERVAL_MS) {
      this.lastNotice = now;
      this.reply('on-event-rejected', { event, reason: refusal.error, code: refusal.code });
    }
  }
}

import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ClientEventName,
  ClientToServerEvents,
  ErrorCode,
  ServerEventArgs,
  ServerEventName,
  ServerToClientEvents,
  WireArgs,
} from './protocol';

/**
 * The Socket.IO half of the typed client. A CaptureSocket is socket.io-client's
 * own Socket typed with the protocol, so `socket.on(event, listener)` and
 * its emits are already checked against the event specs;
 * `ask` adds typed acknowledgements. The types are generated from the server's
 * API documents: nothing of the server is imported.
 */
export type CaptureSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Any answer to an event, as `askUnchecked` returns it: a refusal carries its `code` and `error`. */
export type LooseAnswer = { ok: boolean; code?: ErrorCode; error?: string; [key: string]: unknown };

/**
 * The code of a refused connection: socket.io-client's `connect_error` error carries
 * the server's `data: { code }` (`unauthenticated`, `token_expired`, `rate_limited`).
 * Undefined for transport errors (the server was not reached) and older servers.
 */
export function connectionRefusalCode(err: unknown): ErrorCode | undefined {
  const code = (err as { data?: { code?: unknown } } | null | undefined)?.data?.code;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

export interface ConnectOptions {
  /** The device token, or a function read at every connection attempt (so a renewed token is sent). */
  token?: string | (() => string | undefined);
  /**
   * Called when the server refuses the token after the socket had been connected
   * (it expired, or the server came back with new secrets): mint a new token
   * (make `token` return it), then the socket connects again. Retried every
   * few seconds while it fails; `onProblem` hears why.
   */
  renewToken?: () => Promise<unknown>;
  /** How long to wait before trying `renewToken` again after it failed (default 5 s). */
  renewRetryMs?: number;
  onProblem?: (message: string) => void;
  /** Reconnect after a lost connection (default true), as a device should. */
  reconnection?: boolean;
  /** Anything else for socket.io-client (extraHeaders, query, ...). Websocket only unless `transports` says otherwise. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * The device's clock (epoch ms) for the server's clock measurement: a headset answers each
   * `on-time-sync { serverTime }` at once with `{ deviceTime }` read from it (docs/CLOCK.md).
   * `Date.now` unless given (a Unity app's own clock, say); `false` leaves on-time-sync unanswered.
   */
  deviceClock?: (() => number) | false;
}

/** How long to wait before trying again when a new token cannot be minted (server down, key refused). */
const RENEW_RETRY_MS = 5_000;

/**
 * Opens a device's connection: websocket only (as native clients), a new
 * connection each call, reconnecting unless told not to. Await `connected(socket)`
 * to hear about a refusal of the first connection.
 */
export function connectSocket(url: string, options: ConnectOptions = {}): CaptureSocket {
  const { token } = options;
  const socket: CaptureSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: options.reconnection ?? true,
    reconnectionDelayMax: 5_000,
    auth: (cb) => {
      const value = typeof token === 'function' ? token() : token;
      cb(value ? { token: value } : {});
    },
    ...options.socket,
  });
  if (options.renewToken) renewOnRefusal(socket, options.renewToken, options.renewRetryMs ?? RENEW_RETRY_MS, options.onProblem);
  const clock = options.deviceClock ?? Date.now;
  // Only headsets are asked; the answer is the clock read as the message is handled, nothing else in between.
  if (clock) socket.on('on-time-sync', (_sync, ack) => ack({ deviceTime: clock() }));
  return socket;
}

/** Once connected, a refused reconnection (a token the server no longer accepts) renews the token and connects again. */
function renewOnRefusal(
  socket: CaptureSocket,
  renew: () => Promise<unknown>,
  retryMs: number,
  onProblem?: (message: string) => void,
): void {
  let everConnected = false;
  let closed = false;
  let renewing = false;
  socket.on('connect', () => (everConnected = true));
  // Closed by its owner: a socket refused and not connected emits no 'disconnect' when closed,
  // so the close itself is what stops the renewing below.
  const disconnect = socket.disconnect.bind(socket);
  socket.disconnect = () => {
    closed = true;
    return disconnect();
  };
  socket.on('connect_error', (err) => {
    // Transport errors are retried by socket.io-client itself; a refusal of the first
    // connection is the caller's to hear (see connected()).
    if (socket.active || !everConnected || renewing) return;
    renewing = true;
    const code = connectionRefusalCode(err);
    void (async () => {
      // Too many connections from this address: a new token would not help; try again later.
      if (code !== undefined && code !== 'unauthenticated' && code !== 'token_expired') {
        onProblem?.(`the server refused the connection (${code}: ${err.message}); trying again`);
        await new Promise((r) => setTimeout(r, retryMs));
        if (!closed) socket.connect();
        renewing = false;
        return;
      }
      while (!closed) {
        try {
          await renew();
          if (!closed) socket.connect();
          break;
        } catch (renewErr) {
          onProblem?.(
            `the server refused this device's token (${err.message}) and a new one could not be had: ${(renewErr as Error).message}`,
          );
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
      renewing = false;
    })();
  });
}

/**
 * Resolves on the first connection; rejects when the server refuses it (a bad token), so the caller
 * hears why: the error's `data.code` (connectionRefusalCode) says what the refusal is.
 */
export function connected(socket: CaptureSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      // socket.io-client keeps retrying transport errors itself; only a refusal by the server is final.
      if (!socket.active) reject(err);
    });
  });
}

/**
 * Sends client event E and waits for its answer: the event's typed success
 * answer or a refusal `{ ok: false, code, error }` (branch on `code`). Rejects when
 * no answer comes within `timeoutMs` (default 10 s).
 */
export function ask<E extends ClientEventName>(socket: CaptureSocket, event: E, ...args: WireArgs<E>): Promise<Ack<E>> {
  return askUnchecked(socket, event, ...(args as unknown[])) as Promise<Ack<E>>;
}

/** As `ask`, with a timeout of one's own. */
export function askWithin<E extends ClientEventName>(
  socket: CaptureSocket,
  timeoutMs: number,
  event: E,
  ...args: WireArgs<E>
): Promise<Ack<E>> {
  return askUncheckedWithin(socket, timeoutMs, event, ...(args as unknown[])) as Promise<Ack<E>>;
}

/** Any event with any arguments (for probing a server with malformed payloads); the answer is not typed. */
export function askUnchecked(socket: CaptureSocket, event: string, ...args: unknown[]): Promise<LooseAnswer> {
  return askUncheckedWithin(socket, 10_000, event, ...args);
}

export function askUncheckedWithin(socket: CaptureSocket, timeoutMs: number, event: string, ...args: unknown[]): Promise<LooseAnswer> {
  const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<LooseAnswer> };
  return timed.emitWithAck(event, ...args);
}

/** Resolves with the arguments of the next server event E (that `match` accepts), or rejects after `timeoutMs` (default 10 s). */
export function nextEvent<E extends ServerEventName>(
  socket: CaptureSocket,
  event: E,
  options: { match?: (...args: ServerEventArgs<E>) => boolean; timeoutMs?: number } = {},
): Promise<ServerEventArgs<E>> {
  return new Promise((resolve, reject) => {
    const listener = (...received: unknown[]) => {
      const args = received as ServerEventArgs<E>;
      if (options.match && !options.match(...args)) return;
      done();
      resolve(args);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${event} within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    const loose = socket as unknown as {
      on(e: string, l: (...a: unknown[]) => void): void;
      off(e: string, l: (...a: unknown[]) => void): void;
    };
    const done = () => {
      clearTimeout(timer);
      loose.off(event, listener);
    };
    loose.on(event, listener);
  });
}

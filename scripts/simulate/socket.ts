import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol';
import type { DeviceToken } from './device-token';

export type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type AckAnswer = { ok: boolean; error?: string; [key: string]: unknown };

/** How long to wait before trying again when a new token cannot be minted (server down, key refused). */
const RENEW_RETRY_MS = 5_000;

/**
 * A device's connection: websocket only (as native clients), reconnecting after
 * a server restart. Once connected, a later refusal of its token (the server
 * came back with new secrets) mints a new token and reconnects; if even that is
 * refused, `onProblem` hears why and it tries again every few seconds.
 */
export function connectDevice(baseUrl: string, token: DeviceToken, onProblem?: (message: string) => void): DeviceSocket {
  const socket: DeviceSocket = io(baseUrl, {
    transports: ['websocket'],
    // A function, so every attempt sends the current token.
    auth: (cb) => cb({ token: token.value }),
    forceNew: true,
    reconnectionDelayMax: 5_000,
  });
  let everConnected = false;
  let closed = false;
  let renewing = false;
  socket.on('connect', () => (everConnected = true));
  socket.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') closed = true;
  });
  socket.on('connect_error', (err) => {
    // Transport errors are retried by socket.io-client itself; a refusal on the first
    // connection is the caller's to report (see connected()).
    if (socket.active || !everConnected || renewing) return;
    renewing = true;
    void (async () => {
      while (!closed) {
        try {
          await token.renew();
          if (!closed) socket.connect();
          break;
        } catch (renewErr) {
          onProblem?.(
            `the server refused this device's token (${err.message}) and a new one could not be minted: ${(renewErr as Error).message}. ` +
              'If the server now has a different ADMIN_API_KEY, restart the simulator with it (--api-key).',
          );
          await new Promise((r) => setTimeout(r, RENEW_RETRY_MS));
        }
      }
      renewing = false;
    })();
  });
  return socket;
}

/** Emits and waits for the server's acknowledgement (at most 10 s). */
export function ask(socket: DeviceSocket, event: keyof ClientToServerEvents, ...args: unknown[]): Promise<AckAnswer> {
  const timed = socket.timeout(10_000) as unknown as { emitWithAck: (e: string, ...a: unknown[]) => Promise<AckAnswer> };
  return timed.emitWithAck(event, ...args);
}

/** Resolves on the first connection, rejects on a refusal (bad token) so the caller hears why. */
export function connected(socket: DeviceSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      // socket.io-client keeps retrying transport errors itself; only a refusal by the server is final.
      if (!socket.active) reject(err);
    });
  });
}

/** A sleep that a stop cuts short. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol';

export type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type AckAnswer = { ok: boolean; error?: string; [key: string]: unknown };

/** A device's connection: websocket only (as native clients), reconnecting after a server restart. */
export function connectDevice(baseUrl: string, token: string): DeviceSocket {
  return io(baseUrl, { transports: ['websocket'], auth: { token }, forceNew: true, reconnectionDelayMax: 5_000 });
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

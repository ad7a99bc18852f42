import { askUnchecked, connectSocket, type CaptureSocket, type LooseAnswer } from '@capture-backend/client';
import type { DeviceToken } from './device-token';

/** The simulator's devices connect with the typed client (@capture-backend/client, packages/client); these keep the simulator's own names for it. */
export type DeviceSocket = CaptureSocket;
export type AckAnswer = LooseAnswer;
export { connected } from '@capture-backend/client';

/**
 * A device's connection: websocket only (as native clients), reconnecting after
 * a server restart. Once connected, a later refusal of its token (the server
 * came back with new secrets) mints a new token and reconnects; if even that is
 * refused, `onProblem` hears why and it tries again every few seconds.
 */
export function connectDevice(baseUrl: string, token: DeviceToken, onProblem?: (message: string) => void): DeviceSocket {
  return connectSocket(baseUrl, {
    token: () => token.value,
    renewToken: () => token.renew(),
    // A simulated headset answers on-time-sync itself, from its skewed clock behind its delayed link (clock-link.ts).
    deviceClock: false,
    onProblem: (message) =>
      onProblem?.(`${message}. If the server now has a different ADMIN_API_KEY, restart the simulator with it (--api-key).`),
  });
}

/** Emits and waits for the server's acknowledgement (at most 10 s). */
export function ask(socket: DeviceSocket, event: string, ...args: unknown[]): Promise<AckAnswer> {
  return askUnchecked(socket, event, ...args);
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

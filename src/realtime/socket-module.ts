import type { EventRouter } from './event-router';
import type { CaptureSocket } from './types';

/**
 * The Socket.IO side of one feature. Every feature's socket module has this
 * shape: realtime/index.ts registers each on every connection, runs their
 * disconnect handling after the socket's pending events, and stops them on
 * shutdown.
 */
export interface SocketModule {
  /** Registers the module's events (and joins its rooms) on one connection. */
  register(socket: CaptureSocket, router: EventRouter): void;
  /** A connection closed; runs after every event it sent has been handled. */
  disconnected?(socket: CaptureSocket): Promise<void>;
  /** Stops the module's timers. */
  stop?(): void;
}

import type { Metrics } from '../metrics';
import type { NoticeEventName, ServerToClientEvents } from '../protocol';
import { emitPreEncoded, type EncodedJson, type PayloadOf } from './pre-encoded';
import type { CaptureIo } from './types';

/**
 * Every server event a feature sends goes through here: to rooms, so it reaches
 * the client on whichever process holds its socket, and counted in
 * turing_socket_messages_total. (Handlers answer their own socket through the
 * event router's reply(), also counted; live frames count their own.)
 */
export class Broadcaster {
  /** The labelled counter of each outgoing event, looked up once: telemetry goes out thousands of times a second. */
  private readonly sentCounters = new Map<string, { inc(): void }>();

  constructor(
    readonly io: CaptureIo,
    private readonly metrics: Metrics,
    /** Whether other processes (whose rooms this one cannot see) have members of a room: the cluster adapter knows. */
    private readonly mayHaveRemoteMembers: (room: string) => boolean,
  ) {}

  emit<E extends NoticeEventName>(to: string | string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.sent(event).inc();
    // Socket.IO types a broadcast's arguments per event; E is any notice (no acknowledgement), which it cannot see.
    (this.io.to(to) as unknown as { emit(event: string, ...args: unknown[]): boolean }).emit(event, ...args);
  }

  /** emit() with the argument already encoded as JSON (docs/PERFORMANCE.md): what goes out is the same. */
  emitEncoded<E extends NoticeEventName>(to: string, event: E, json: EncodedJson<PayloadOf<E>>): void {
    this.sent(event).inc();
    emitPreEncoded(this.io.to(to), event, json);
  }

  /** Counts one outgoing message of `event` (for a broadcast sent in several parts but counted as one). */
  sent(event: string): { inc(): void } {
    let counter = this.sentCounters.get(event);
    if (!counter) this.sentCounters.set(event, (counter = this.metrics.socketMessages.labels({ event_type: event, direction: 'out' })));
    return counter;
  }

  /**
   * Whether a room may have members. Socket.IO encodes a broadcast before it looks for
   * them, so on one process an update for nobody would still be built and encoded on
   * every message. Another process may hold members: the cluster adapter follows which.
   */
  mayHaveAudience(room: string): boolean {
    return this.io.sockets.adapter.rooms.has(room) || this.mayHaveRemoteMembers(room);
  }
}

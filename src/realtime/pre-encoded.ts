import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import type { ServerToClientEvents } from '../protocol';

/**
 * JSON this server produced from a value of type T (never a client's text): the only
 * thing a pre-encoded event may carry, because it reaches the wire unchanged.
 */
export type EncodedJson<T> = string & { readonly encodes: T };

export function encodeJson<T>(value: T): EncodedJson<T> {
  return JSON.stringify(value) as EncodedJson<T>;
}

/** The one argument of a server event (the telemetry update, the telemetry batch). */
export type PayloadOf<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * Marks an event name as carrying pre-encoded JSON. The server emits only the protocol's
 * event names, none of which starts with a NUL, and clients' packets are decoded, never
 * encoded, so no client can have its text written out this way.
 */
const PRE_ENCODED = '\u0000pre-encoded:';

/** A room, a socket or the server: whatever Socket.IO lets this process emit through. */
interface EmitTarget {
  emit(event: string, ...args: unknown[]): unknown;
}

/**
 * Emits event E with its argument already encoded as JSON. The message is the marked
 * name and the JSON text: two strings, so it crosses the cluster adapter (msgpack over
 * Redis) without the value being encoded there and decoded again by every other
 * process, and is written to each socket without another JSON.stringify. The wire is
 * the same as emitting the value.
 */
export function emitPreEncoded<E extends keyof ServerToClientEvents>(to: object, event: E, json: EncodedJson<PayloadOf<E>>): void {
  (to as EmitTarget).emit(PRE_ENCODED + event, json);
}

/** The event a marked name stands for, or undefined for a name that is not marked. */
function unmarked(name: unknown): string | undefined {
  return typeof name === 'string' && name.startsWith(PRE_ENCODED) ? name.slice(PRE_ENCODED.length) : undefined;
}

/** The event and JSON text of a pre-encoded event packet, or undefined for any other packet. */
function preEncodedParts(packet: Packet): [event: string, json: string] | undefined {
  if (packet.type !== PacketType.EVENT || !Array.isArray(packet.data) || packet.data.length !== 2) return undefined;
  const [name, json] = packet.data as unknown[];
  const event = unmarked(name);
  return event !== undefined && typeof json === 'string' ? [event, json] : undefined;
}

/** The event name a packet's data goes out under (what a client's handler is registered for). */
export function wireEvent(data: unknown): unknown {
  const name: unknown = Array.isArray(data) ? data[0] : undefined;
  return unmarked(name) ?? name;
}

/**
 * socket.io-parser's encoder, which writes a pre-encoded event's JSON as it is, in
 * the place JSON.stringify would have put the value: `2` (EVENT), the namespace if
 * not `/`, the ack id if any, then `["event",<json>]`.
 */
export class PreEncodingEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder['encode']> {
    const parts = preEncodedParts(packet);
    if (!parts) return super.encode(packet);
    const [event, json] = parts;
    const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
    const id = packet.id ?? '';
    return [`${PacketType.EVENT}${nsp}${id}[${JSON.stringify(event)},${json}]`];
  }
}

/** The Server's `parser` option: the encoder above, socket.io-parser's decoder. */
export const preEncodingParser = { Encoder: PreEncodingEncoder, Decoder };

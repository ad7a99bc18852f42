import type { ClientEvents, ErrorCode, Refusal, ServerEvents } from './generated/protocol';
import type { Routes } from './generated/rest';

/**
 * The Socket.IO protocol's types, from the generated event maps (./generated/protocol.ts,
 * generated from the server's /api/asyncapi.json): a wrong event name, argument or answer
 * field is a compile error. Nothing of the server is imported.
 */
export type { ClientEvents, ErrorCode, Refusal, ServerEvents };

export type ClientEventName = keyof ClientEvents;
export type ServerEventName = keyof ServerEvents;
/** The arguments a client sends with event E (before its optional acknowledgement callback). */
export type WireArgs<E extends ClientEventName> = ClientEvents[E]['args'];
/** As WireArgs: what the server validates event E's arguments against. */
export type Payload<E extends ClientEventName> = WireArgs<E>;
/** The success answer to client event E. */
export type AckAnswer<E extends ClientEventName> = ClientEvents[E]['ack'];
/** Every answer to client event E: its success answer or a refusal (branch on `ok`, then on `code`). */
export type Ack<E extends ClientEventName> = AckAnswer<E> | Refusal;
export type AckCallback<E extends ClientEventName> = (answer: Ack<E>) => void;
/** The arguments of server event E. */
export type ServerEventArgs<E extends ServerEventName> = ServerEvents[E]['args'];
/** What the client answers to server event E when the server asks (on-time-sync); `never` for the others. */
export type ServerEventAnswer<E extends ServerEventName> = ServerEvents[E]['answer'];

export type ClientToServerEvents = {
  [E in ClientEventName]: (...args: [...WireArgs<E>, ack?: AckCallback<E>]) => void;
};

export type ServerToClientEvents = {
  [E in ServerEventName]: [ServerEventAnswer<E>] extends [never]
    ? (...args: ServerEventArgs<E>) => void
    : (...args: [...ServerEventArgs<E>, ack: (answer: ServerEventAnswer<E>) => void]) => void;
};

/** What a device token is for: its role. */
export type DeviceType = Routes['postAuthDeviceToken']['body']['deviceType'];
/** A session as the server shows it (on-session-status, GET /api/sessions/:sessionId). */
export type SessionView = ServerEventArgs<'on-session-status'>[0];

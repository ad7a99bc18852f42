/**
 * The Socket.IO protocol: every event of the spec (deprecated and legacy ones
 * included) plus the few this server adds, defined once as specs
 * (client-events.ts, server-events.ts) from which these types are derived.
 * TypeScript clients import them: `import type { ClientToServerEvents } from
 * 'capture-backend/protocol'`.
 */
import type { z } from 'zod';
import type { DeviceType } from '../domain/ids';
import type { ClientEventName, ClientEvents } from './client-events';
import type { Refusal } from './event-spec';
import type { ServerEventName, ServerEvents } from './server-events';

export { clientEvents, type ClientEventName, type ControlEventName, type HotEventName, type RecordingCommand } from './client-events';
export { serverEvents, type ServerEventName } from './server-events';
export type { ClientEventSpec, ServerEventSpec, Refusal } from './event-spec';
export type { DeviceTelemetry } from './telemetry';
export type {
  AlarmView,
  DeviceLockStatus,
  DeviceStateView,
  FramePayload,
  HeadsetListInfo,
  PresenceStatus,
  SessionView,
  TelemetryUpdate,
  CommandView,
  TimelineEntryView,
} from './views';
export type { DeviceType } from '../domain/ids';
export type { ErrorCode } from '../domain/errors';
export type { SessionStatus, DeviceSessionStatus } from '../domain/sessions';

/** What the handler of client event E receives, once validated. */
export type Payload<E extends ClientEventName> = z.output<ClientEvents[E]['args']>;
/** The arguments a client sends with event E (before its optional ack). */
export type WireArgs<E extends ClientEventName> = z.input<ClientEvents[E]['args']>;
/** The success answer to client event E. */
export type AckAnswer<E extends ClientEventName> = z.output<ClientEvents[E]['ack']>;
/** Every answer to client event E: its success answer or a refusal. */
export type Ack<E extends ClientEventName> = AckAnswer<E> | Refusal;
export type AckCallback<E extends ClientEventName> = (answer: Ack<E>) => void;

/** The arguments of server event E. */
export type ServerEventArgs<E extends ServerEventName> = z.output<ServerEvents[E]['args']>;

export type ClientToServerEvents = {
  [E in ClientEventName]: (...args: [...WireArgs<E>, ack?: AckCallback<E>]) => void;
};

/** Server events that only tell (every one but those the client answers): what rooms are sent. */
export type NoticeEventName = { [E in ServerEventName]: ServerEvents[E] extends { answer: z.ZodType } ? never : E }[ServerEventName];

/** What the client answers to server event E, when the server asks (on-time-sync). */
export type ServerEventAnswer<E extends ServerEventName> = ServerEvents[E] extends { answer: z.ZodType }
  ? z.input<ServerEvents[E]['answer']>
  : never;

export type ServerToClientEvents = {
  [E in ServerEventName]: ServerEvents[E] extends { answer: z.ZodType }
    ? (...args: [...ServerEventArgs<E>, ack: (answer: ServerEventAnswer<E>) => void]) => void
    : (...args: ServerEventArgs<E>) => void;
};

/** What the authentication middleware stores on each socket (the spec's AuthenticatedSocket.data). */
export interface SocketData {
  deviceId?: string;
  deviceType?: DeviceType;
  authenticated: boolean;
  /** When the socket's token expires (epoch ms); the socket is closed then and its events refused. */
  tokenExpiresAt?: number;
  /** Set once a headset identified itself. */
  identifiedDeviceId?: string;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

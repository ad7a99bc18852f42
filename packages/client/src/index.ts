/**
 * The typed client of the Capture Backend: Socket.IO (connect with a token,
 * typed emits, acknowledgements and listeners) and REST (a typed method per
 * route, the chunked upload with progress). `import { connectSocket, ask,
 * CaptureHttp, uploadFile } from '@capture-backend/client'`; docs/CLIENT.md shows
 * a headset, a tablet and an upload. Its types are generated from the server's
 * API documents (src/generated/): nothing of the server is imported.
 */
export {
  ask,
  askUnchecked,
  askUncheckedWithin,
  askWithin,
  connectSocket,
  connected,
  connectionRefusalCode,
  nextEvent,
  type CaptureSocket,
  type ConnectOptions,
  type LooseAnswer,
} from './socket';
export {
  CaptureHttp,
  HttpCallError,
  authHeaders,
  queryString,
  refusalCodeOf,
  type AbortAnswer,
  type CompleteAnswer,
  type CompleteRequest,
  type Credential,
  type DevicesAnswer,
  type ErrorBody,
  type HttpOptions,
  type PartsAnswer,
  type RawAnswer,
  type RouteAnswer,
  type RouteErrorCode,
  type RouteMethods,
  type RouteName,
  type RouteRequest,
  type SessionAnswer,
  type SessionListAnswer,
  type SessionListQuery,
  type SignPartsAnswer,
  type SignPartsRequest,
  type StartAnswer,
  type StartRequest,
  type SummaryAnswer,
  type TokenAnswer,
  type UploadRef,
} from './http';
export {
  CommandRefusedError,
  recordingControl,
  serverTime,
  type BatchOutcome,
  type CommandOptions,
  type CommandOutcome,
  type CommandView,
  type RecordingControl,
  type StartOptions,
} from './commands';
export { pagedList, type ListFilter, type PagedList, type Resources } from './lists';
export { UploadError, uploadFile, type PartBody, type UploadFileOptions, type UploadProgress, type UploadSource } from './upload';
export type {
  Ack,
  AckAnswer,
  AckCallback,
  ClientEventName,
  ClientEvents,
  ClientToServerEvents,
  DeviceType,
  ErrorCode,
  Payload,
  Refusal,
  ServerEventAnswer,
  ServerEventArgs,
  ServerEventName,
  ServerEvents,
  ServerToClientEvents,
  SessionView,
  WireArgs,
} from './protocol';
export type { Routes } from './generated/rest';
export { routes } from './generated/rest';

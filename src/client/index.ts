/**
 * The typed client of the Capture Backend: Socket.IO (connect with a token,
 * typed emits, acknowledgements and listeners) and REST (fetch with the answer
 * types, the chunked upload with progress). `import { connectSocket, ask,
 * CaptureHttp, uploadFile } from 'capture-backend/client'`; docs/CLIENT.md shows
 * a headset, a tablet and an upload.
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
export { CaptureHttp, HttpCallError, authHeaders, refusalCodeOf, type Credential, type HttpOptions, type RawAnswer } from './http';
export { UploadError, uploadFile, type PartBody, type UploadFileOptions, type UploadProgress, type UploadSource } from './upload';
export type {
  Ack,
  AckAnswer,
  ClientEventName,
  ClientToServerEvents,
  DeviceType,
  ErrorCode,
  Payload,
  Refusal,
  ServerEventArgs,
  ServerEventName,
  ServerToClientEvents,
  SessionView,
  WireArgs,
} from '../protocol';
export type { AbortAnswer, CompleteAnswer, PartsAnswer, SignPartsAnswer, StartAnswer } from '../uploads';

/**
 * The Socket.IO protocol: every event of the spec (deprecated and legacy ones
 * included) plus the few this server adds, typed for the server and for
 * TypeScript clients (`import type { ClientToServerEvents } from
 * 'capture-backend/dist/protocol'`). Payload validation lives in the handlers;
 * these types describe what a well-behaved client sends.
 */

export type DeviceType = 'headset' | 'tablet' | 'dashboard';

/** Optional acknowledgement: every client event may pass one as its last argument. */
export type Ack = (response: { ok: true; [key: string]: unknown } | { ok: false; error: string }) => void;

/** The spec's DeviceTelemetry. Fields a headset does not know may be omitted. */
export interface DeviceTelemetry {
  deviceId: string;
  deviceName?: string;
  customName?: string;
  timestamp: number;
  batteryLevel?: number;
  batteryState?: number;
  storageUsedBytes?: number;
  storageTotalBytes?: number;
  wifiSignalLevel?: number;
  wifiSSID?: string;
  appVersion?: string;
  osVersion?: string;
  sdkVersion?: string;
  leftHandTracked?: boolean;
  rightHandTracked?: boolean;
  bodyTracked?: boolean;
  trackingConfidence?: number;
  isRecording?: boolean;
  sessionDuration?: number;
  productiveTime?: number;
  frameCount?: number;
  droppedFrames?: number;
  cpuTemperature?: number;
  gpuTemperature?: number;
  memoryUsedMB?: number;
  memoryTotalMB?: number;
}

export type PresenceStatus = 'online' | 'stale' | 'offline';

/** The spec's DeviceState as sent on the wire (dates as ISO strings), plus presence. */
export interface DeviceStateView {
  deviceId: string;
  socketId: string;
  isOnline: boolean;
  /** Beyond the spec: connected but silent for longer than DEVICE_STALE_MS. */
  isStale: boolean;
  status: PresenceStatus;
  lastSeen: string;
  telemetry: DeviceTelemetry | null;
  connectionTime: string;
  isRecording: boolean;
  isLocked: boolean;
  lockedByTabletId?: string;
  lockedAt?: string;
}

export interface HeadsetListInfo {
  deviceId: string;
  isLocked: boolean;
  lockedByTabletId?: string;
  customName: string;
}

export interface DeviceLockStatus {
  deviceId: string;
  isLocked: boolean;
  lockedByTabletId?: string;
}

export interface TelemetryUpdate {
  deviceId: string;
  isOnline: boolean;
  isStale: boolean;
  lastSeen: string;
  telemetry: DeviceTelemetry | null;
  isLocked: boolean;
  lockedByTabletId?: string;
}

export type SessionStatus = 'pending' | 'recording' | 'paused' | 'completed' | 'uploading';

export interface DeviceSessionStatus {
  isRecording: boolean;
  frameCount: number;
  uploadProgress: number;
  uploadStatus: 'pending' | 'uploading' | 'completed' | 'failed';
}

export interface SessionView {
  sessionId: string;
  tabletId: string;
  status: SessionStatus;
  deviceIds: string[];
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  endReason?: string;
  duration?: number;
  metadata?: Record<string, unknown>;
  deviceStatuses: Record<string, DeviceSessionStatus>;
}

/** A binary frame arrives as a Buffer (Node) or ArrayBuffer (browser). */
export type FramePayload = string | Buffer | ArrayBuffer | Uint8Array;

export interface ClientToServerEvents {
  // Headset
  'headset-identify': (deviceId: string, ack?: Ack) => void;
  'headset-frame': (frame: FramePayload) => void;
  'headset-status': (data: string, ack?: Ack) => void;
  'device-telemetry': (telemetry: DeviceTelemetry | string, ack?: Ack) => void;
  'headset-logs-processed': (ack?: Ack) => void;
  'headset-recording-state': (recording: boolean, ack?: Ack) => void;

  // Tablet: locks
  'tablet-lock-device': (deviceId: string, ack?: Ack) => void;
  'tablet-unlock-device': (deviceId: string, ack?: Ack) => void;
  'tablet-lock-devices': (deviceIds: string[], ack?: Ack) => void;
  'tablet-unlock-all-devices': (ack?: Ack) => void;

  // Tablet: recording
  'tablet-start-recording': (deviceId: string, ack?: Ack) => void;
  'tablet-stop-recording': (deviceId: string, ack?: Ack) => void;
  'tablet-start-all-recording': (ack?: Ack) => void;
  'tablet-stop-all-recording': (ack?: Ack) => void;
  /** @deprecated use tablet-start-recording / tablet-stop-recording */
  'tablet-toggle-recording': (headsetId: string, ack?: Ack) => void;
  /** @deprecated use tablet-start-all-recording / tablet-stop-all-recording */
  'tablet-toggle-all-recording': (ack?: Ack) => void;

  // Tablet: sessions
  'tablet-create-session': (request: { deviceIds: string[]; metadata?: Record<string, unknown> }, ack?: Ack) => void;
  'tablet-start-session': (sessionId: string, ack?: Ack) => void;
  'tablet-pause-session': (sessionId: string, ack?: Ack) => void;
  'tablet-end-session': (sessionId: string, ack?: Ack) => void;
  'tablet-get-session': (sessionId: string, ack?: Ack) => void;
  'tablet-get-active-session': (ack?: Ack) => void;

  // Tablet: legacy
  'tablet-connect-headset': (headsetId: string, ack?: Ack) => void;
  'tablet-disconnect-headset': (headsetId: string, ack?: Ack) => void;
  'tablet-get-recording-status': (headsetId: string, ack?: Ack) => void;
  'tablet-sync-metadata': (data: string, targetDeviceId?: string, ack?: Ack) => void;

  // Dashboard
  'dashboard-subscribe': (ack?: Ack) => void;
  'dashboard-unsubscribe': (ack?: Ack) => void;
  /** Beyond the spec: receive a headset's live frames. */
  'dashboard-watch-device': (deviceId: string, ack?: Ack) => void;
  'dashboard-unwatch-device': (deviceId: string, ack?: Ack) => void;
}

export interface ServerToClientEvents {
  // Headset notifications
  'on-headset-connected': () => void;
  /** Legacy: a watched headset went offline (the spec sends no payload; the device ID is added). */
  'on-headset-disconnected': (deviceId: string) => void;
  'on-headset-frame-updated': (frame: FramePayload, deviceId: string) => void;
  'on-headset-status-updated': (data: string, deviceId: string) => void;
  'on-headset-logs-processed': (deviceId: string) => void;
  'on-headset-recording-active': (deviceId: string) => void;
  'on-headset-recording-inactive': (deviceId: string) => void;

  // Headset lists
  'on-headsets-updated': (deviceIds: string[]) => void;
  'on-headsets-with-lock-status-updated': (headsets: HeadsetListInfo[]) => void;
  'on-device-locks-updated': (locks: DeviceLockStatus[]) => void;

  // Lock responses
  'on-device-locked': (payload: { deviceId: string }) => void;
  'on-device-lock-failed': (payload: { deviceId: string; reason: string }) => void;
  'on-device-unlocked': (payload: { deviceId: string }) => void;
  /** `failed` lists IDs as the spec says; `reasons` (beyond the spec) says why each failed. */
  'on-devices-locked': (payload: { locked: string[]; failed: string[]; reasons: Record<string, string> }) => void;
  'on-all-devices-unlocked': (payload: { unlocked: string[] }) => void;
  'on-device-disconnected': (payload: { deviceId: string }) => void;

  // Recording (to headsets, and answers to tablets)
  'on-tablet-recording-toggled': () => void;
  'on-tablet-start-recording': () => void;
  'on-tablet-stop-recording': () => void;
  'on-device-recording-changed': (payload: { deviceId: string; isRecording: boolean }) => void;
  'on-recording-denied': (payload: { deviceId: string; reason?: string }) => void;
  'on-recording-toggle-denied': (payload: { deviceId: string; reason?: string }) => void;
  /** Beyond the spec: a start/stop command the headset did not confirm in time. */
  'on-recording-command-timeout': (payload: { deviceId: string; command: 'start' | 'stop' | 'toggle' }) => void;
  'on-recording-status': (payload: { deviceId: string; isRecording: boolean; isOnline: boolean }) => void;
  'on-metadata-synced': (data: string) => void;

  // Sessions
  'on-session-created': (payload: { sessionId: string; deviceIds: string[]; unavailable?: string[] }) => void;
  'on-session-started': (payload: { sessionId: string; startedAt: string }) => void;
  'on-session-paused': (payload: { sessionId: string }) => void;
  'on-session-ended': (payload: { sessionId: string; endedAt: string; duration: number; reason?: string }) => void;
  'on-session-error': (payload: { error: string; sessionId?: string; unavailable?: string[] }) => void;
  'on-session-status': (payload: SessionView) => void;
  'on-active-session': (payload: SessionView | null) => void;
  'on-session-upload-updated': (payload: SessionView) => void;

  // Dashboards
  'on-fleet-status-updated': (devices: DeviceStateView[]) => void;
  'on-device-telemetry-updated': (update: TelemetryUpdate) => void;
  /** Beyond the spec: a device went online, stale or offline. */
  'on-device-presence-changed': (payload: { deviceId: string; status: PresenceStatus; lastSeen: string }) => void;

  /** Beyond the spec: an event of this client was refused (role, payload); sent at most once a second. */
  'on-event-rejected': (payload: { event: string; reason: string }) => void;
}

/** What the authentication middleware stores on each socket (the spec's AuthenticatedSocket.data). */
export interface SocketData {
  deviceId?: string;
  deviceType?: DeviceType;
  authenticated: boolean;
  /** Set once a headset identified itself. */
  identifiedDeviceId?: string;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

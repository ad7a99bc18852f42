/**
 * The state store, in the words of the domain. Two implementations exist
 * (memory for a single process with no services, Redis for production and for
 * several processes); both pass test/state/store.contract.ts unchanged.
 *
 * Records here are what is persisted. The richer views the spec describes
 * (DeviceState with telemetry and lock, CaptureSession with a Map) are composed
 * by the domain modules from these.
 */

export type DeviceType = 'headset' | 'tablet' | 'dashboard';

/** The spec's RedisDeviceState, with dates as Dates. */
export interface DeviceRecord {
  deviceId: string;
  socketId: string;
  isOnline: boolean;
  lastSeen: Date;
  connectionTime: Date;
  isRecording: boolean;
}

export type DevicePatch = Partial<Omit<DeviceRecord, 'deviceId'>>;

export interface DeviceStore {
  /** Creates or replaces the record and refreshes its TTL. */
  save(device: DeviceRecord): Promise<void>;
  get(deviceId: string): Promise<DeviceRecord | null>;
  list(): Promise<DeviceRecord[]>;
  /** Applies the patch if the device exists; returns the new record or null. */
  update(deviceId: string, patch: DevicePatch): Promise<DeviceRecord | null>;
  /**
   * Marks the device offline, but only while `socketId` is still its socket:
   * a disconnect that arrives after the headset reconnected elsewhere changes nothing.
   */
  markOffline(deviceId: string, socketId: string, at: Date): Promise<boolean>;
  remove(deviceId: string): Promise<void>;
  saveTelemetry(deviceId: string, telemetry: object): Promise<void>;
  getTelemetry(deviceId: string): Promise<object | null>;
}

export interface LockInfo {
  deviceId: string;
  tabletId: string;
  /** When the lock was last taken or refreshed by its owner. */
  lockedAt: Date;
}

export type AcquireResult =
  | { outcome: 'acquired'; lock: LockInfo }
  | { outcome: 'refreshed'; lock: LockInfo }
  | { outcome: 'held'; holder: string };

export interface LockStore {
  /** Exactly one caller wins a free lock; the owner re-acquiring refreshes the TTL. */
  acquire(deviceId: string, tabletId: string): Promise<AcquireResult>;
  /** Releases only if `tabletId` holds the lock; returns whether it did. */
  release(deviceId: string, tabletId: string): Promise<boolean>;
  get(deviceId: string): Promise<LockInfo | null>;
  /** Locks currently held among the given devices. */
  getMany(deviceIds: readonly string[]): Promise<Map<string, LockInfo>>;
  /** Device IDs this tablet holds now (expired locks are not reported). */
  heldBy(tabletId: string): Promise<string[]>;
}

export type SessionStatus = 'pending' | 'recording' | 'paused' | 'completed' | 'uploading';
export const SESSION_STATUSES: readonly SessionStatus[] = [
  'pending',
  'recording',
  'paused',
  'completed',
  'uploading',
];

export interface DeviceSessionStatus {
  isRecording: boolean;
  frameCount: number;
  uploadProgress: number;
  uploadStatus: 'pending' | 'uploading' | 'completed' | 'failed';
}

/** The spec's CaptureSession, with deviceStatuses as a plain record so it serialises. */
export interface SessionRecord {
  sessionId: string;
  tabletId: string;
  deviceIds: string[];
  status: SessionStatus;
  createdAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  endReason?: string;
  metadata?: Record<string, unknown>;
  deviceStatuses: Record<string, DeviceSessionStatus>;
}

export interface SessionQuery {
  status?: SessionStatus;
  tabletId?: string;
  /** At most this many sessions (1..500). */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface SessionPage {
  sessions: SessionRecord[];
  nextCursor?: string;
}

export interface SessionStore {
  /** Creates or replaces the session and refreshes its TTL. */
  save(session: SessionRecord): Promise<void>;
  get(sessionId: string): Promise<SessionRecord | null>;
  /** Newest first. */
  list(query: SessionQuery): Promise<SessionPage>;
  remove(sessionId: string): Promise<void>;
}

export interface UploadRecord {
  uploadId: string;
  key: string;
  fileType: 'video' | 'data';
  fileSize: number;
  partSize: number;
  totalParts: number;
  deviceId?: string;
  sessionId?: string;
  startedAt: Date;
  status: 'in-progress' | 'completed';
  completedAt?: Date;
  etag?: string;
}

export interface UploadStore {
  save(upload: UploadRecord): Promise<void>;
  get(uploadId: string): Promise<UploadRecord | null>;
  list(): Promise<UploadRecord[]>;
  remove(uploadId: string): Promise<void>;
}

/**
 * QA results of recordings, cached by the object's ETag so an unchanged file
 * is never read twice. Values are the QA domain's JSON; it validates them on
 * read, so a corrupt or outdated entry is just a miss.
 */
export interface QaResultStore {
  get(etag: string): Promise<unknown | null>;
  /** Creates or replaces the entry; it expires after qaResultSeconds. */
  save(etag: string, result: object): Promise<void>;
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly devices: DeviceStore;
  readonly locks: LockStore;
  readonly sessions: SessionStore;
  readonly uploads: UploadStore;
  readonly qaResults: QaResultStore;
  /** Resolves when the backing service answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** TTLs the store applies, from the spec's Redis section (seconds). */
export interface StoreTtls {
  deviceStateSeconds: number;
  lockSeconds: number;
  sessionSeconds: number;
  telemetrySeconds: number;
  uploadSeconds: number;
  /** Cached QA results; DEFAULT_QA_RESULT_TTL_SECONDS when absent. */
  qaResultSeconds?: number;
}

export const DEFAULT_QA_RESULT_TTL_SECONDS = 30 * 24 * 3600;

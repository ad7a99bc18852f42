/**
 * The state store, in the words of the domain. Two implementations exist
 * (memory for a single process with no services, Redis for production and for
 * several processes); both pass test/state/store.contract.ts unchanged.
 *
 * Records here are what is persisted. The richer views the spec describes
 * (DeviceState with telemetry and lock, CaptureSession with a Map) are composed
 * by the domain modules from these.
 */

import type { PageTotal } from './page-total';
import type Redis from 'ioredis';

export type { DeviceType } from '../domain/ids';
import type { TtlConfig } from '../config';

/** The spec's RedisDeviceState, with dates as Dates. */
export interface DeviceRecord {
  deviceId: string;
  socketId: string;
  isOnline: boolean;
  lastSeen: Date;
  connectionTime: Date;
  isRecording: boolean;
  /** The capture session the device is part of while that session is active. */
  activeSessionId?: string;
}

/** Fields to change; `activeSessionId: null` clears it. */
export type DevicePatch = Partial<Omit<DeviceRecord, 'deviceId' | 'activeSessionId'>> & { activeSessionId?: string | null };

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
   * An offline device records nothing, so this clears its recording flag too.
   */
  markOffline(deviceId: string, socketId: string, at: Date): Promise<boolean>;
  remove(deviceId: string): Promise<void>;
  saveTelemetry(deviceId: string, telemetry: object): Promise<void>;
  /**
   * A telemetry message, in one step: if the device exists, marks it online and seen at `seenAt`
   * (renewing its TTL) and caches the telemetry; answers the new record and the device's lock
   * (null when unlocked), or null (and caches nothing) when the device has no record. One
   * command on the hot path: the lock is read by the same step, not by a second round trip.
   */
  recordTelemetry(deviceId: string, telemetry: object, seenAt: Date): Promise<TelemetryWrite | null>;
  getTelemetry(deviceId: string): Promise<object | null>;
  /** Cached telemetry of the given devices that still have one. */
  getTelemetryMany(deviceIds: readonly string[]): Promise<Map<string, object>>;
  /** Which of the given devices have a record (no record is read; a pipeline per 500 devices). */
  existing(deviceIds: readonly string[]): Promise<Set<string>>;
}

/** What recording a telemetry message answers: the device's record after it, and who holds the device. */
export interface TelemetryWrite {
  record: DeviceRecord;
  lock: LockInfo | null;
}

export interface LockInfo {
  deviceId: string;
  tabletId: string;
  /** When the lock was last taken or refreshed by its owner. */
  lockedAt: Date;
}

export type AcquireResult =
  { outcome: 'acquired'; lock: LockInfo } | { outcome: 'refreshed'; lock: LockInfo } | { outcome: 'held'; holder: string };

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

export { SESSION_STATUSES, EMPTY_DEVICE_STATUS, type SessionStatus, type DeviceSessionStatus } from '../domain/sessions';
import type { DeviceSessionStatus, SessionStatus } from '../domain/sessions';

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
  /** The tablet connection (socket ID) that created it: a create from another one may end it once that one is gone. */
  connectionId?: string;
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
  /** The page's sessions in JSON at most (PAGE_MAX_BYTES); a page always holds one, and a cut page has a nextCursor. */
  maxBytes?: number;
}

export interface SessionPage extends PageTotal {
  sessions: SessionRecord[];
  nextCursor?: string;
}

/** What a status transition may set besides the status. */
export type SessionTransition = Pick<Partial<SessionRecord>, 'startedAt' | 'endedAt' | 'endReason'> & {
  status: SessionStatus;
};

export type TransitionResult =
  { outcome: 'done'; session: SessionRecord } | { outcome: 'not-found' } | { outcome: 'conflict'; status: SessionStatus };

/** The outcome of pointing a tablet at its new active session. */
export type ActiveClaim = { outcome: 'claimed' } | { outcome: 'held'; sessionId: string };

export interface SessionStore {
  /**
   * Atomically makes `sessionId` (already saved) the tablet's active session,
   * unless the tablet's pointer names another session that is still active
   * (pending, recording or paused): of concurrent creates exactly one wins.
   * A pointer to a completed or vanished session is replaced.
   */
  claimActive(tabletId: string, sessionId: string): Promise<ActiveClaim>;
  /** Clears the tablet's pointer if it names `sessionId` (the session ended). */
  releaseActive(tabletId: string, sessionId: string): Promise<void>;
  /** The session the tablet's pointer names, or null; the caller checks that it is still active. */
  activeOf(tabletId: string): Promise<string | null>;
  /** Creates or replaces the session and refreshes its TTL. */
  save(session: SessionRecord): Promise<void>;
  get(sessionId: string): Promise<SessionRecord | null>;
  /**
   * Atomically moves the session to a new status if its current status is one
   * of `from`; concurrent transitions (two processes, two tablet sockets) cannot both win.
   */
  transition(sessionId: string, from: readonly SessionStatus[], change: SessionTransition): Promise<TransitionResult>;
  /** Atomically merges one device's status; other devices' statuses are untouched. Null if no such session. */
  updateDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<SessionRecord | null>;
  /**
   * The same merge for callers that need no record back (telemetry, recording reports: once a
   * second per headset), so the session's metadata is not read; false when the session is gone.
   */
  patchDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<boolean>;
  /** Newest first. With a tabletId, only that tablet's sessions are read (a per-tablet index). */
  list(query: SessionQuery): Promise<SessionPage>;
  /** Sessions in an active status (pending, recording, paused): a kept count, nothing walked. */
  countActive(): Promise<number>;
  /** Active sessions created before `before`, oldest first, at most `limit`. */
  activeCreatedBefore(before: Date, limit: number): Promise<SessionRecord[]>;
  /** Sessions of this tablet the store still holds, for its quota. */
  countForTablet(tabletId: string): Promise<number>;
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
  /** The client's SHA-256 of the whole file (hex), if its start body gave one. */
  sha256?: string;
}

/** The outcome of claiming an object key: newly claimed, renewed by its owner, or held by another owner. */
export type KeyClaim = { outcome: 'claimed' } | { outcome: 'renewed' } | { outcome: 'held'; owner: string };

/** Uploads in progress, kept as a count as records change, so reading it walks nothing. */
export interface InProgressSummary {
  count: number;
  oldestStartedAt?: Date;
}

/**
 * Upload records, indexed by object key and by start time of those in
 * progress: no operation reads every record, so a start or a sweep costs the
 * same with 10 records or 100,000.
 */
export interface UploadStore {
  save(upload: UploadRecord): Promise<void>;
  /**
   * Saves a new in-progress upload unless its device already has `maxPerDevice`
   * in progress (checked and written in one step, so concurrent starts cannot pass
   * the cap); false when refused. An upload without a device is always saved.
   */
  begin(upload: UploadRecord, maxPerDevice: number): Promise<boolean>;
  /** How many uploads of this device are in progress. */
  inProgressOf(deviceId: string): Promise<number>;
  get(uploadId: string): Promise<UploadRecord | null>;
  /** The records on one object key (in progress or completed). */
  onKey(key: string): Promise<UploadRecord[]>;
  /** In-progress records started before `startedBefore`, oldest first, at most `limit`. */
  inProgressBefore(startedBefore: Date, limit: number): Promise<UploadRecord[]>;
  summary(): Promise<InProgressSummary>;
  remove(uploadId: string): Promise<void>;
  /**
   * Claims an object key for `owner`, set-if-absent: of any number of concurrent
   * claims on a free key exactly one wins; the owner claiming again renews it.
   * A claim expires with the upload TTL, so a dead uploader holds nothing forever.
   */
  claimKey(key: string, owner: string): Promise<KeyClaim>;
  /** Gives the claim up if `owner` holds it (an aborted or expired upload); returns whether it did. */
  releaseKey(key: string, owner: string): Promise<boolean>;
}

/**
 * QA results of recordings, cached by the object's ETag so an unchanged file
 * is never read twice. Values are the QA domain's JSON; it validates them on
 * read, so a corrupt or outdated entry is just a miss.
 */
export interface QaResultStore {
  /** The stored JSON, or null on a miss. */
  get(etag: string): Promise<unknown>;
  /** Creates or replaces the entry; it expires after qaResultSeconds. */
  save(etag: string, result: object): Promise<void>;
}

/**
 * Short leases for work that must run once per cluster (sweeps, cleanups):
 * the holder renews by acquiring again; a dead holder's lease expires.
 */
export interface LeaseStore {
  /** True if `owner` now holds the lease (newly or renewed) for `ttlMs`. */
  tryAcquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` holds it. */
  release(name: string, owner: string): Promise<void>;
}

export * from './recording-types';
import type { RecordingStore } from './recording-types';
export type { AlarmStore, AlarmRecord, AlarmRaise, RaiseResult, RaiseOptions, AlarmQuery, AlarmPage, AckResult } from './alarm-types';
export type { WebhookStore, WebhookDelivery, WebhookAttempt, WebhookSettlement } from './webhook-types';
import type { AlarmStore } from './alarm-types';
import type { WebhookStore } from './webhook-types';
export type { NoticeWindowStore, NoticeOffer, HeldNotices } from './notice-types';
import type { NoticeWindowStore } from './notice-types';

export type * from './command-types';
export type * from './timeline-types';
import type { CommandStore } from './command-types';
import type { TimelineStore } from './timeline-types';

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly alarms: AlarmStore;
  readonly webhooks: WebhookStore;
  /** Coalescing windows for bursts of notices (verdicts, alarm webhooks) per headset. */
  readonly notices: NoticeWindowStore;
  readonly devices: DeviceStore;
  readonly locks: LockStore;
  readonly sessions: SessionStore;
  readonly uploads: UploadStore;
  readonly qaResults: QaResultStore;
  readonly leases: LeaseStore;
  readonly commands: CommandStore;
  readonly timeline: TimelineStore;
  /** Recordings: one record per recording folder, with its verification and curation. */
  readonly recordings: RecordingStore;
  /** Resolves when the backing service answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * A store over a connection that can drop and come back (Redis) calls the
   * listener each time it has reconnected, so the server can put back what open
   * connections stand for; returns the unsubscribe function. Absent where the
   * state cannot go away behind the server's back (memory).
   */
  onReconnected?(listener: () => void): () => void;
  /**
   * A feature's own store on this store's backing service: the feature brings
   * both implementations (in its own folder) and the store picks the one that
   * matches it; a Redis one sits behind the same boundary as the store's own
   * parts (a lost connection is StoreUnavailableError). So a feature with state
   * adds nothing here (docs/ARCHITECTURE.md, "A feature's own state").
   */
  extend<T extends object>(implementations: FeatureStoreImplementations<T>): T;
}

/** What a Redis implementation of a feature's store is built on: the store's client (key prefix applied) and TTLs. */
export interface RedisBacking {
  readonly client: Redis;
  readonly ttls: StoreTtls;
}

/** A feature's store, both ways: plain memory for one process, Redis for production and several processes. */
export interface FeatureStoreImplementations<T> {
  memory(ttls: StoreTtls): T;
  redis(backing: RedisBacking): T;
}

/** TTLs the store applies, from the spec's Redis section (seconds). */
export interface StoreTtls extends TtlConfig {
  /** Cached QA results; DEFAULT_QA_RESULT_TTL_SECONDS when absent. */
  qaResultSeconds?: number;
  /** How long timeline entries and command records are kept; DEFAULT_TIMELINE_RETENTION_SECONDS when absent. */
  timelineRetentionSeconds?: number;
  /** Entries one timeline stream keeps at most; DEFAULT_TIMELINE_MAX_ENTRIES when absent. */
  timelineMaxEntries?: number;
  /** Entries one actor keeps in the audit log at most (AUDIT_MAX_ENTRIES_PER_ACTOR); DEFAULT_AUDIT_MAX_ENTRIES_PER_ACTOR when absent. */
  auditMaxEntriesPerActor?: number;
  /** Command records one issuer (a tablet) has in the ledger at most (COMMANDS_PER_TABLET); DEFAULT_COMMANDS_PER_ISSUER when absent. */
  commandsPerIssuer?: number;
  /** Cleared alarms are kept this long (ALARM_HISTORY_DAYS); DEFAULT_ALARM_HISTORY_SECONDS when absent. */
  alarmHistorySeconds?: number;
  /** Webhook deliveries are given up and forgotten after this (WEBHOOK_MAX_AGE_HOURS); DEFAULT_WEBHOOK_MAX_AGE_SECONDS when absent. */
  webhookMaxAgeSeconds?: number;
}

export const DEFAULT_ALARM_HISTORY_SECONDS = 14 * 24 * 3600;
export const DEFAULT_WEBHOOK_MAX_AGE_SECONDS = 24 * 3600;

export const DEFAULT_QA_RESULT_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_TIMELINE_RETENTION_SECONDS = 30 * 24 * 3600;
export const DEFAULT_TIMELINE_MAX_ENTRIES = 10_000;
export const DEFAULT_COMMANDS_PER_ISSUER = 10_000;
export const DEFAULT_AUDIT_MAX_ENTRIES_PER_ACTOR = 10_000;
/** Telemetry history: one sample a minute for 24 hours, with room for a reconnect's extra samples. */
export const TELEMETRY_HISTORY_SECONDS = 24 * 3600;
export const TELEMETRY_HISTORY_MAX_SAMPLES = 2 * 24 * 60;

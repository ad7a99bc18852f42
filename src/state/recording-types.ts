import type { PageTotal } from './page-total';
import type { Actor } from '../domain/actor';
import type { RecordingStart } from '../domain/clock';

/**
 * The record of one recording (a folder `sessions/{recordingId}/`): who made it,
 * its two files, what the integrity gate found, and what people decided.
 * Both stores keep it whole as one value and index it for listing.
 */

export {
  RECORDING_STATES,
  RECORDING_VERDICTS,
  RECORDING_DECISIONS,
  type RecordingState,
  type RecordingVerdict,
  type RecordingDecision,
} from '../domain/recordings';
import type { RecordingDecision, RecordingState, RecordingVerdict } from '../domain/recordings';

export interface RecordingFileRecord {
  key: string;
  state: 'uploading' | 'complete' | 'failed';
  size: number;
  etag?: string;
  /** The client's SHA-256 from its start body. */
  clientSha256?: string;
  /** The SHA-256 the gate read back from storage. */
  sha256?: string;
  uploadId?: string;
  updatedAt: Date;
}

/** What the MP4 parser read from the moov box. */
export interface Mp4Facts {
  playable: boolean;
  durationSeconds?: number;
  frameCount?: number;
  fps?: number;
  width?: number;
  height?: number;
  codec?: string;
}

/** What the NPZ reader and QA scoring found. */
export interface NpzFacts {
  readable: boolean;
  frameCount?: number;
  metadataTotalFrames?: number;
  durationSeconds?: number;
  appVersion?: string;
  qaScore?: number;
  stages?: { captureQuality: number; validation: number; trackingConfidence: number };
  bothHandsNotInFramePercent?: number;
}

export interface RecordingVerification {
  verdict: RecordingVerdict;
  /** Why it failed, in words a person can act on; empty on a pass. */
  reasons: string[];
  qaScore: number | null;
  /** Each check by name: true when it held. */
  checks: Record<string, boolean>;
  mp4?: Mp4Facts;
  npz?: NpzFacts;
  verifiedAt: Date;
  durationMs: number;
}

/** One entry of a recording's history: what changed, who did it, when. */
export interface RecordingHistoryEntry {
  at: Date;
  actor: Actor;
  change: string;
  detail?: Record<string, unknown>;
}

export interface RecordingRecord {
  recordingId: string;
  deviceId: string;
  /** The capture session the headset was in when recording started, if any. */
  sessionId?: string;
  /** The tablet that commanded the recording (held the headset's lock), if any. */
  tabletId?: string;
  appVersion?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Recording start and stop as the server saw them (device.recording-changed). */
  startedAt?: Date;
  stoppedAt?: Date;
  /** When the headset really started, in server time, as it reported it, with the plan and the clock estimate used (docs/CLOCK.md). */
  start?: RecordingStart;
  state: RecordingState;
  files: { video?: RecordingFileRecord; data?: RecordingFileRecord };
  /** While verifying: which process holds the check and until when (a dead one's claim lapses). */
  verifyClaim?: { owner: string; until: Date };
  verification?: RecordingVerification;
  decision?: RecordingDecision;
  outcome?: 'success' | 'failure';
  tags: Record<string, string>;
  note?: string;
  /** When it was discarded (its objects are deleted DISCARD_RETENTION_DAYS later). */
  discardedAt?: Date;
  /** When the discard sweep deleted its objects. */
  purgedAt?: Date;
  history: RecordingHistoryEntry[];
}

/** The newest entries kept per recording (a runaway client cannot grow one without bound). */
export const MAX_RECORDING_HISTORY = 50;
/** A recording's history in JSON at most: the oldest entries leave first (one entry always stays). */
export const MAX_RECORDING_HISTORY_BYTES = 32 * 1024;

/**
 * A record as lists and exports read it: everything but its history, which both stores keep
 * apart and read only for one recording (get, update).
 */
export type RecordingSummary = Omit<RecordingRecord, 'history'>;

export interface RecordingQuery {
  sessionId?: string;
  deviceId?: string;
  state?: RecordingState;
  verdict?: RecordingVerdict;
  decision?: RecordingDecision | 'none';
  tag?: { key: string; value: string };
  /** createdAt bounds (inclusive). */
  from?: Date;
  to?: Date;
  /** At most this many records (1..500). */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** The page's records in JSON at most (PAGE_MAX_BYTES); a page always holds one, and a cut page has a nextCursor. */
  maxBytes?: number;
}

export interface RecordingPage extends PageTotal {
  /** Without their history (RecordingSummary): a list never reads it. */
  recordings: RecordingSummary[];
  /** Present when there may be more (a page can be short when a filter skipped much, or cut by maxBytes). */
  nextCursor?: string;
}

/** Counts by state and by verdict, kept as records change. */
export interface RecordingCounts {
  byState: Record<RecordingState, number>;
  byVerdict: Record<RecordingVerdict, number>;
}

export interface RecordingStore {
  get(recordingId: string): Promise<RecordingRecord | null>;
  /**
   * Reads the record, lets `change` compute the next one (or null for no change),
   * and writes it only if nobody wrote in between (else retries): concurrent
   * events from several processes never lose each other's updates. Resolves
   * with what `change` returned alongside the record as written.
   */
  update<T>(recordingId: string, change: (current: RecordingRecord | null) => { next: RecordingRecord | null; result: T }): Promise<T>;
  /**
   * Forgets a record (a provisional one whose recording arrived under another folder name, or
   * one past its retention), unless `keep` says otherwise of the record as it is at that moment;
   * answers whether it was removed.
   */
  remove(recordingId: string, keep?: (current: RecordingRecord) => boolean): Promise<boolean>;
  /** Newest first (by createdAt), filtered, without history; pages through an index, never every record at once. */
  list(query: RecordingQuery): Promise<RecordingPage>;
  /** Recordings in state verifying, oldest first, at most `limit` (resumed after a restart). */
  verifying(limit: number): Promise<string[]>;
  /** Recordings still waiting for a file whose wait started before `before`, oldest first. */
  awaitingFilesSince(before: Date, limit: number): Promise<string[]>;
  /** How many of the device's records await their files (recording, uploading or incomplete). */
  awaitingFilesOf(deviceId: string): Promise<number>;
  /** Records left without their files since before `before` (see staleSince), oldest first. */
  staleBefore(before: Date, limit: number): Promise<string[]>;
  /** Discarded (and not yet purged) recordings discarded before `before`, oldest first. */
  discardedBefore(before: Date, limit: number): Promise<string[]>;
  counts(): Promise<RecordingCounts>;
}

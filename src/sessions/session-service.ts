import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';
import type { DomainEvents } from '../domain/events';
import { ACTIVE_SESSION_STATUSES as ACTIVE_STATUSES } from '../domain/sessions';
import type { CommandsAnswer, RecordingCommands } from '../commands';
import type { LockService } from '../locks';
import {
  EMPTY_DEVICE_STATUS,
  type DeviceSessionStatus,
  type SessionRecord,
  type SessionStatus,
  type SessionTransition,
  type Store,
} from '../state/types';
import { durationSeconds, sessionView } from './session-view';
import { tooWideStart, type StartSpread } from './start-spread';
import type { RecordingStart } from '../domain/clock';

/** A session request refused because of its devices carries which were unavailable. */
export interface UnavailableDevices {
  unavailable: string[];
}

export interface SessionServiceDeps {
  store: Store;
  locks: LockService;
  /** The recording commands a session's start, pause and end send its headsets. */
  commands: RecordingCommands;
  events: DomainEvents;
  /** SYNC_MAX_SPREAD_MS: headsets of one synchronized start further apart than this are reported to startSpread. */
  maxSpreadMs?: number;
  startSpread?: (session: SessionRecord, spread: StartSpread) => Promise<void>;
  /**
   * Whether a tablet connection (socket ID) is connected anywhere in the cluster. A create on a
   * new connection ends the tablet's active session when the connection that created it is gone.
   */
  isConnected?: (connectionId: string) => Promise<boolean>;
  /** Sessions one tablet may have in the store at once (they leave it with SESSION_TTL_SECONDS); unset: no limit. */
  maxPerTablet?: number;
  now?: () => number;
  logger?: Logger;
}

/** What an upload reports about a device's recording in a session. */
export type UploadProgress = Pick<DeviceSessionStatus, 'uploadStatus' | 'uploadProgress'>;

/** The narrow view of sessions that the uploads feature is given. */
export interface SessionUploads {
  uploadProgress(sessionId: string | undefined, deviceId: string | undefined, status: UploadProgress): Promise<void>;
}

/** Seconds an upload's final status is tried again when the store was away (see uploadProgress). */
const UPLOAD_STATUS_RETRIES = 30;

type Action = 'start' | 'pause' | 'end';
/** A start of a recording session, a pause of a paused one: a tablet's retry (its first attempt's answer was lost); commands go again. */
const ALLOWED_FROM: Record<Action, readonly SessionStatus[]> = {
  start: ['pending', 'paused', 'recording'],
  pause: ['recording', 'paused'],
  end: ['pending', 'recording', 'paused'],
};

/** What a start, pause or end answers: the session as it now is, and the commands sent to its headsets. */
export interface SessionMove extends CommandsAnswer {
  session: SessionRecord;
}

/** Nothing was sent: an end of a session that was not recording. */
const NO_COMMANDS: CommandsAnswer = { sent: [], denied: [], commands: [] };

/**
 * Capture sessions: pending -> recording <-> paused -> completed (then
 * uploading while recordings arrive). A session belongs to the tablet that
 * created it; only devices that tablet holds and that are online join. Its
 * start, pause and end command its headsets; sessions left running past the
 * expiry are ended by the server. Every transition is announced as
 * session.changed, which the socket layer delivers.
 */
export class SessionService implements SessionUploads {
  private readonly now: () => number;
  private readonly store: Store;
  private readonly locks: LockService;
  private readonly events: DomainEvents;

  constructor(private readonly options: SessionServiceDeps) {
    const { events } = options;
    this.store = options.store;
    this.locks = options.locks;
    this.events = events;
    this.now = options.now ?? Date.now;
    // A session's device statuses follow what its headsets report.
    events.on('device.recording-changed', async ({ deviceId, isRecording, start }) => {
      await this.deviceRecordingChanged(deviceId, isRecording, start);
    });
    events.on('device.telemetry', async ({ deviceId, sessionId, telemetry }) => {
      if (sessionId && telemetry.frameCount !== undefined) await this.deviceFrameCount(deviceId, sessionId, telemetry.frameCount);
    });
    // The session's per-device status carries the recording's verdict (announced like upload progress).
    events.on('recording.verdict', async ({ recordingId, deviceId, sessionId, verdict }) => {
      if (sessionId && deviceId) await this.recordingVerdict(sessionId, deviceId, { recordingId, verdict });
    });
  }

  async create(
    tabletId: string,
    connectionId: string,
    deviceIds: readonly string[],
    metadata?: Record<string, unknown>,
  ): Promise<{ session: SessionRecord; unavailable: string[] }> {
    const active = await this.active(tabletId);
    if (active && !(await this.supersedes(active, connectionId))) {
      throw new DomainError('conflict', `this tablet already has an active session (${active.sessionId}); end it first`);
    }
    const quota = this.options.maxPerTablet;
    // Each session may carry 100 KB of metadata: one tablet cannot fill the store with them.
    if (quota !== undefined && (await this.store.sessions.countForTablet(tabletId)) >= quota) {
      throw new DomainError('quota_exceeded', `this tablet already has ${quota} sessions stored; older ones expire after the session TTL`);
    }

    const requested = [...new Set(deviceIds)];
    const held = new Set(await this.locks.heldBy(tabletId));
    const devices = await Promise.all(requested.map((id) => this.store.devices.get(id)));
    const available = requested.filter((id, i) => held.has(id) && devices[i]?.isOnline === true);
    const unavailable = requested.filter((id) => !available.includes(id));
    if (available.length === 0) {
      const details: UnavailableDevices = { unavailable };
      throw new DomainError('conflict', 'none of the requested devices is locked by this tablet and online', { details });
    }

    const createdAt = new Date(this.now());
    const session: SessionRecord = {
      sessionId: await this.newSessionId(createdAt, connectionId),
      tabletId,
      deviceIds: available,
      status: 'pending',
      createdAt,
      connectionId,
      ...(metadata ? { metadata } : {}),
      deviceStatuses: Object.fromEntries(available.map((id) => [id, { ...EMPTY_DEVICE_STATUS }])),
    };
    // Saved first, then claimed: a concurrent create (a retrying app, a second connection) sees a pointer to a live session and loses.
    await this.store.sessions.save(session);
    const claim = await this.store.sessions.claimActive(tabletId, session.sessionId);
    if (claim.outcome === 'held') {
      await this.store.sessions.remove(session.sessionId);
      throw new DomainError('conflict', `this tablet already has an active session (${claim.sessionId}); end it first`);
    }
    await Promise.all(available.map((id) => this.store.devices.update(id, { activeSessionId: session.sessionId })));
    await this.events.publish('session.changed', { session, change: 'created', ...(unavailable.length > 0 ? { unavailable } : {}) });
    return { session, unavailable };
  }

  /** Starts (or resumes) the session and commands its headsets to record. */
  async start(tabletId: string, sessionId: string): Promise<SessionMove> {
    const session = await this.move(tabletId, sessionId, 'start', (s) => ({
      status: 'recording',
      startedAt: s.startedAt ?? new Date(this.now()),
    }));
    const commands = await this.options.commands.sendAll(tabletId, session.deviceIds, 'start', { sessionId });
    await this.events.publish('session.changed', { session, change: 'started' });
    return { session, ...commands };
  }

  /** Pauses the session and commands its headsets to stop recording. */
  async pause(tabletId: string, sessionId: string): Promise<SessionMove> {
    const session = await this.move(tabletId, sessionId, 'pause', () => ({ status: 'paused' }));
    const commands = await this.options.commands.sendAll(tabletId, session.deviceIds, 'stop', { sessionId });
    await this.events.publish('session.changed', { session, change: 'paused' });
    return { session, ...commands };
  }

  /** Ends the session; its recording headsets are commanded to stop. */
  async end(tabletId: string, sessionId: string): Promise<SessionMove> {
    return this.endWith(await this.get(tabletId, sessionId));
  }

  /**
   * A running session's headsets are commanded to stop, and so are those of a paused one that
   * still record (the stop of its pause was lost: the headset was away, or the server restarted).
   */
  private async endWith(before: SessionRecord, reason?: string): Promise<SessionMove> {
    const { tabletId, sessionId } = before;
    const session = await this.finish(tabletId, sessionId, reason);
    const recording =
      before.status === 'recording' ? before.deviceIds : before.deviceIds.filter((id) => before.deviceStatuses[id]?.isRecording);
    const commands = recording.length > 0 ? await this.options.commands.sendAll(tabletId, recording, 'stop', { sessionId }) : NO_COMMANDS;
    await this.events.publish('session.changed', { session, change: 'ended' });
    return { session, ...commands };
  }

  /**
   * A tablet creating a session while one it created on another connection is still active,
   * that connection being gone: the end it sent was lost (a server restart, a network cut), so
   * that session is ended now (reason "superseded", announced) instead of refusing the create.
   * The same connection, or one still connected, keeps the refusal: that is a real double create.
   */
  private async supersedes(active: SessionRecord, connectionId: string): Promise<boolean> {
    const previous = active.connectionId;
    if (!previous || previous === connectionId || !this.options.isConnected) return false;
    if (await this.options.isConnected(previous).catch(() => true)) return false;
    try {
      await this.endWith(active, 'superseded');
    } catch (err) {
      // Ended meanwhile (its tablet's end arrived after all): nothing is in the way.
      if (!(err instanceof DomainError) || err.code === 'store_unavailable') throw err;
    }
    this.options.logger?.warn(
      { sessionId: active.sessionId, tabletId: active.tabletId },
      'session ended: its tablet created another on a new connection (the end it sent was lost)',
    );
    return true;
  }

  /**
   * Moves the session to completed and frees its devices; commands and announces
   * nothing (the caller does, once its headsets were told: a headset hears that
   * its session ended after the stop, so it can close its take first).
   */
  private async finish(tabletId: string, sessionId: string, reason?: string): Promise<SessionRecord> {
    let session = await this.move(tabletId, sessionId, 'end', () => ({
      status: 'completed',
      endedAt: new Date(this.now()),
      ...(reason ? { endReason: reason } : {}),
    }));
    // Nothing records in an ended session: the headsets' stop confirmations arrive
    // after the devices have left it, so the statuses are closed here.
    for (const id of session.deviceIds) {
      if (session.deviceStatuses[id]?.isRecording) {
        session = (await this.store.sessions.updateDeviceStatus(session.sessionId, id, { isRecording: false })) ?? session;
      }
    }
    await this.releaseDevices(session);
    await this.store.sessions.releaseActive(tabletId, session.sessionId);
    return session;
  }

  /** A session of this tablet, for the tablet's own queries. */
  async get(tabletId: string, sessionId: string): Promise<SessionRecord> {
    const session = await this.store.sessions.get(sessionId);
    if (!session) throw new DomainError('not_found', `session ${sessionId} not found`);
    if (session.tabletId !== tabletId) throw new DomainError('forbidden', `session ${sessionId} belongs to another tablet`);
    return session;
  }

  /** The tablet's session that is not completed, if any. */
  async active(tabletId: string): Promise<SessionRecord | null> {
    // The tablet's active-session pointer, not its newest session: while two creates race, the
    // newest may be a loser's session that is about to be removed.
    const sessionId = await this.store.sessions.activeOf(tabletId);
    const session = sessionId ? await this.store.sessions.get(sessionId) : null;
    return session && ACTIVE_STATUSES.includes(session.status) ? session : null;
  }

  /**
   * A device of an active session started or stopped. A start of a command batch (a session's start,
   * a start-all) is kept with its time, and once two or more of the batch's headsets started, the
   * spread of a synchronized one is checked against SYNC_MAX_SPREAD_MS (startSpread, the sessions
   * feature raises the alarm).
   */
  private async deviceRecordingChanged(deviceId: string, isRecording: boolean, start?: RecordingStart): Promise<void> {
    const sessionId = (await this.store.devices.get(deviceId))?.activeSessionId;
    if (!sessionId) return;
    if (!isRecording || !start?.batchId) {
      await this.store.sessions.patchDeviceStatus(sessionId, deviceId, { isRecording });
      return;
    }
    const session = await this.store.sessions.updateDeviceStatus(sessionId, deviceId, {
      isRecording,
      startedAt: start.startedAt,
      startBatchId: start.batchId,
    });
    const spread = session ? tooWideStart(session, start, this.options.maxSpreadMs) : undefined;
    if (session && spread) await this.options.startSpread?.(session, spread);
  }

  private async deviceFrameCount(deviceId: string, sessionId: string, frameCount: number): Promise<void> {
    await this.store.sessions.patchDeviceStatus(sessionId, deviceId, { frameCount });
  }

  /**
   * A device's recording upload moved on. Its upload fields are merged
   * atomically (other devices and the recording fields are untouched); a
   * completed session becomes `uploading` while any recording is arriving,
   * and `completed` again once none is. Announced as session.upload-changed.
   * A failure is logged and never fails the upload itself.
   */
  async uploadProgress(sessionId: string | undefined, deviceId: string | undefined, status: UploadProgress): Promise<void> {
    if (!sessionId || !deviceId) return;
    if (await this.tryUploadProgress(sessionId, deviceId, status)) return;
    // An upload's end met a store outage (the session would show it uploading for good): tried again, once a second.
    if (status.uploadStatus !== 'completed' && status.uploadStatus !== 'failed') return;
    void (async () => {
      for (let i = 0; i < UPLOAD_STATUS_RETRIES; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        if (await this.tryUploadProgress(sessionId, deviceId, status)) return;
      }
    })();
  }

  private async tryUploadProgress(sessionId: string, deviceId: string, status: UploadProgress): Promise<boolean> {
    try {
      const session = await this.store.sessions.get(sessionId);
      if (!session || !session.deviceIds.includes(deviceId)) return true;
      let updated = await this.store.sessions.updateDeviceStatus(sessionId, deviceId, status);
      if (!updated) return true;
      // Settled against what was just read, until it holds: two headsets' ends at once, each deciding
      // from its own snapshot, could leave a session uploading with every upload done (soak, seed 3).
      for (let i = 0; i < 3 && updated; i++) {
        const arriving = Object.values(updated.deviceStatuses).some((s) => s.uploadStatus === 'uploading');
        const [from, to] = arriving ? (['completed', 'uploading'] as const) : (['uploading', 'completed'] as const);
        if (updated.status !== from) break;
        const move = await this.store.sessions.transition(sessionId, [from], { status: to });
        updated = move.outcome === 'done' ? move.session : ((await this.store.sessions.get(sessionId)) ?? updated);
      }
      await this.events.publish('session.upload-changed', { session: updated });
      return true;
    } catch (err) {
      this.options.logger?.warn({ err, sessionId, deviceId }, 'could not update the session upload status');
      return false;
    }
  }

  private async recordingVerdict(sessionId: string, deviceId: string, status: Pick<DeviceSessionStatus, 'recordingId' | 'verdict'>) {
    try {
      const session = await this.store.sessions.updateDeviceStatus(sessionId, deviceId, status);
      if (session) await this.events.publish('session.upload-changed', { session });
    } catch (err) {
      this.options.logger?.warn(
        { err: (err as Error).message, recordingId: status.recordingId },
        "could not show the verdict in the session's status",
      );
    }
  }

  /**
   * Ends a session on the server's own account (expiry, an orphan), announcing why; its recording
   * headsets are told to stop. False when it was ended meanwhile.
   */
  async endByServer(s: SessionRecord, reason: 'expired' | 'orphaned'): Promise<boolean> {
    try {
      await this.endWith(s, reason);
      return true;
    } catch (err) {
      // Ended by its tablet meanwhile: nothing left to end.
      if (!(err instanceof DomainError) || err.code === 'store_unavailable') throw err;
      return false;
    }
  }

  /** A count the store keeps as sessions change: a /metrics scrape walks nothing. */
  countActive(): Promise<number> {
    return this.store.sessions.countActive();
  }

  durationSeconds(session: SessionRecord): number {
    return durationSeconds(session, this.now());
  }

  /** Wire views, with each session's offline devices. */
  async views(sessions: SessionRecord[]) {
    // Only these sessions' devices (at most 50 each), not the whole fleet: this runs on every upload progress event.
    const ids = [...new Set(sessions.flatMap((s) => s.deviceIds))];
    const devices = await Promise.all(ids.map((id) => this.store.devices.get(id)));
    const online = new Set(ids.filter((_, i) => devices[i]?.isOnline === true));
    const now = this.now();
    return sessions.map((s) => sessionView(s, online, now));
  }

  private async move(
    tabletId: string,
    sessionId: string,
    action: Action,
    change: (s: SessionRecord) => SessionTransition,
  ): Promise<SessionRecord> {
    const owned = await this.get(tabletId, sessionId);
    const result = await this.store.sessions.transition(sessionId, ALLOWED_FROM[action], change(owned));
    if (result.outcome === 'done') return result.session;
    if (result.outcome === 'not-found') throw new DomainError('not_found', `session ${sessionId} not found`);
    throw new DomainError('conflict', `cannot ${action} session ${sessionId}: it is ${result.status}`);
  }

  private async releaseDevices(session: SessionRecord): Promise<void> {
    await Promise.all(
      session.deviceIds.map(async (id) => {
        const device = await this.store.devices.get(id);
        if (device?.activeSessionId === session.sessionId) await this.store.devices.update(id, { activeSessionId: null });
      }),
    );
  }

  private async newSessionId(createdAt: Date, connectionId: string): Promise<string> {
    const prefix = connectionId.replace(/[^a-zA-Z0-9_-]/g, '').slice(0, 8) || 'tablet';
    const base = `session_${createdAt.getTime()}_${prefix}`;
    for (let n = 0; ; n++) {
      const id = n === 0 ? base : `${base}-${n}`;
      if (!(await this.store.sessions.get(id))) return id;
    }
  }
}

import type { LockService } from '../fleet/lock-service';
import {
  EMPTY_DEVICE_STATUS,
  type SessionRecord,
  type SessionStatus,
  type SessionTransition,
  type Store,
} from '../state/types';
import { durationSeconds, sessionView } from './session-view';

export const MAX_SESSION_DEVICES = 50;
const ACTIVE_STATUSES: readonly SessionStatus[] = ['pending', 'recording', 'paused'];

export type SessionResult =
  | { ok: true; session: SessionRecord }
  | { ok: false; error: string; unavailable?: string[] };

export type CreateResult =
  | { ok: true; session: SessionRecord; unavailable: string[] }
  | { ok: false; error: string; unavailable?: string[] };

export interface SessionServiceOptions {
  /** Sessions not completed this long after creation are ended by the cleanup. */
  expiryMs: number;
  now?: () => number;
}

type Action = 'start' | 'pause' | 'end';
const ALLOWED_FROM: Record<Action, readonly SessionStatus[]> = {
  start: ['pending', 'paused'],
  pause: ['recording'],
  end: ['pending', 'recording', 'paused'],
};

/**
 * Capture sessions: pending -> recording <-> paused -> completed (then
 * uploading while recordings arrive). A session belongs to the tablet that
 * created it; only devices that tablet holds and that are online join.
 */
export class SessionService {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly locks: LockService,
    private readonly options: SessionServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(
    tabletId: string,
    connectionId: string,
    deviceIds: readonly string[],
    metadata?: Record<string, unknown>,
  ): Promise<CreateResult> {
    const active = await this.active(tabletId);
    if (active) return { ok: false, error: `this tablet already has an active session (${active.sessionId}); end it first` };

    const requested = [...new Set(deviceIds)];
    const held = new Set(await this.locks.heldBy(tabletId));
    const devices = await Promise.all(requested.map((id) => this.store.devices.get(id)));
    const available = requested.filter((id, i) => held.has(id) && devices[i]?.isOnline === true);
    const unavailable = requested.filter((id) => !available.includes(id));
    if (available.length === 0) {
      return { ok: false, error: 'none of the requested devices is locked by this tablet and online', unavailable };
    }

    const createdAt = new Date(this.now());
    const session: SessionRecord = {
      sessionId: await this.newSessionId(createdAt, connectionId),
      tabletId,
      deviceIds: available,
      status: 'pending',
      createdAt,
      ...(metadata ? { metadata } : {}),
      deviceStatuses: Object.fromEntries(available.map((id) => [id, { ...EMPTY_DEVICE_STATUS }])),
    };
    await this.store.sessions.save(session);
    await Promise.all(available.map((id) => this.store.devices.update(id, { activeSessionId: session.sessionId })));
    return { ok: true, session, unavailable };
  }

  start(tabletId: string, sessionId: string): Promise<SessionResult> {
    return this.move(tabletId, sessionId, 'start', (s) => ({
      status: 'recording',
      startedAt: s.startedAt ?? new Date(this.now()),
    }));
  }

  pause(tabletId: string, sessionId: string): Promise<SessionResult> {
    return this.move(tabletId, sessionId, 'pause', () => ({ status: 'paused' }));
  }

  async end(tabletId: string, sessionId: string, reason?: string): Promise<SessionResult> {
    const result = await this.move(tabletId, sessionId, 'end', () => ({
      status: 'completed',
      endedAt: new Date(this.now()),
      ...(reason ? { endReason: reason } : {}),
    }));
    if (!result.ok) return result;
    // Nothing records in an ended session: the headsets' stop confirmations arrive
    // after the devices have left it, so the statuses are closed here.
    let session = result.session;
    for (const id of session.deviceIds) {
      if (session.deviceStatuses[id]?.isRecording) {
        session = (await this.store.sessions.updateDeviceStatus(session.sessionId, id, { isRecording: false })) ?? session;
      }
    }
    await this.releaseDevices(session);
    return { ok: true, session };
  }

  /** A session of this tablet, for the tablet's own queries. */
  async get(tabletId: string, sessionId: string): Promise<SessionResult> {
    const session = await this.store.sessions.get(sessionId);
    if (!session) return { ok: false, error: `session ${sessionId} not found` };
    if (session.tabletId !== tabletId) return { ok: false, error: `session ${sessionId} belongs to another tablet` };
    return { ok: true, session };
  }

  /** The tablet's session that is not completed, if any. */
  async active(tabletId: string): Promise<SessionRecord | null> {
    // One active session per tablet, and it is its newest: new ones need the old one ended.
    const { sessions } = await this.store.sessions.list({ tabletId, limit: 1 });
    const newest = sessions[0];
    return newest && ACTIVE_STATUSES.includes(newest.status) ? newest : null;
  }

  async deviceRecordingChanged(deviceId: string, isRecording: boolean): Promise<SessionRecord | null> {
    const sessionId = (await this.store.devices.get(deviceId))?.activeSessionId;
    return sessionId ? this.store.sessions.updateDeviceStatus(sessionId, deviceId, { isRecording }) : null;
  }

  async deviceFrameCount(deviceId: string, sessionId: string, frameCount: number): Promise<SessionRecord | null> {
    return this.store.sessions.updateDeviceStatus(sessionId, deviceId, { frameCount });
  }

  /** Ends sessions created more than `expiryMs` ago that never completed. */
  async expireStale(): Promise<SessionRecord[]> {
    const cutoff = this.now() - this.options.expiryMs;
    const stale: SessionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.sessions.list({ limit: 200, cursor });
      stale.push(...page.sessions.filter((s) => ACTIVE_STATUSES.includes(s.status) && s.createdAt.getTime() < cutoff));
      cursor = page.nextCursor;
    } while (cursor);
    const expired: SessionRecord[] = [];
    for (const s of stale) {
      const ended = await this.end(s.tabletId, s.sessionId, 'expired');
      if (ended.ok) expired.push(ended.session);
    }
    return expired;
  }

  /** One walk of the session index (each status filter would walk it again). */
  async countActive(): Promise<number> {
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await this.store.sessions.list({ limit: 500, cursor });
      count += page.sessions.filter((s) => ACTIVE_STATUSES.includes(s.status)).length;
      cursor = page.nextCursor;
    } while (cursor);
    return count;
  }

  durationSeconds(session: SessionRecord): number {
    return durationSeconds(session, this.now());
  }

  /** Wire views, with each session's offline devices. */
  async views(sessions: SessionRecord[]) {
    const online = new Set((await this.store.devices.list()).filter((d) => d.isOnline).map((d) => d.deviceId));
    const now = this.now();
    return sessions.map((s) => sessionView(s, online, now));
  }

  private async move(
    tabletId: string,
    sessionId: string,
    action: Action,
    change: (s: SessionRecord) => SessionTransition,
  ): Promise<SessionResult> {
    const owned = await this.get(tabletId, sessionId);
    if (!owned.ok) return owned;
    const result = await this.store.sessions.transition(sessionId, ALLOWED_FROM[action], change(owned.session));
    if (result.outcome === 'done') return { ok: true, session: result.session };
    if (result.outcome === 'not-found') return { ok: false, error: `session ${sessionId} not found` };
    return { ok: false, error: `cannot ${action} session ${sessionId}: it is ${result.status}` };
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

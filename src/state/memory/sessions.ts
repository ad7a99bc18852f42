import { PageBytes } from '../page-bytes';
import { EMPTY_DEVICE_STATUS } from '../types';
import type {
  ActiveClaim,
  DeviceSessionStatus,
  SessionPage,
  SessionQuery,
  SessionRecord,
  SessionStatus,
  SessionStore,
  SessionTransition,
  StoreTtls,
  TransitionResult,
} from '../types';
import type { ListPosition } from '../../domain/cursor';
import { ACTIVE_SESSION_STATUSES } from '../../domain/sessions';
import { decodeSessionCursor, encodeSessionCursor, sessionMatches } from '../session-cursor';
import { ExpiringMap } from './expiring-map';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * A session as held in memory: metadata (up to 100 KB of client JSON) as its
 * JSON text, which takes its size in bytes where the parsed object graph takes
 * several times that, and is parsed only for the sessions a caller gets back.
 */
type Stored = Omit<SessionRecord, 'metadata'> & { metadataJson?: string };

function toStored(session: SessionRecord): Stored {
  const { metadata, ...rest } = copy(session);
  return metadata ? { ...rest, metadataJson: JSON.stringify(metadata) } : rest;
}

function toRecord(stored: Stored): SessionRecord {
  const { metadataJson, ...rest } = stored;
  const record = copy(rest) as SessionRecord;
  if (metadataJson !== undefined) record.metadata = JSON.parse(metadataJson) as Record<string, unknown>;
  return record;
}

/** Sessions with the Redis store's indexes: per tablet, and the active ones. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new ExpiringMap<string, Stored>();
  private readonly byTablet = new Map<string, Set<string>>();
  private readonly active = new Set<string>();
  /** Tablet ID -> its active session's ID. */
  private readonly pointers = new ExpiringMap<string, string>();

  constructor(private readonly ttls: StoreTtls) {}

  async claimActive(tabletId: string, sessionId: string): Promise<ActiveClaim> {
    const current = this.pointers.get(tabletId);
    const status = current === undefined ? undefined : this.sessions.get(current)?.status;
    if (current !== undefined && current !== sessionId && status && ACTIVE_SESSION_STATUSES.includes(status)) {
      return { outcome: 'held', sessionId: current };
    }
    this.pointers.set(tabletId, sessionId, this.ttls.sessionSeconds * 1000);
    return { outcome: 'claimed' };
  }

  async releaseActive(tabletId: string, sessionId: string): Promise<void> {
    if (this.pointers.get(tabletId) === sessionId) this.pointers.delete(tabletId);
  }

  async activeOf(tabletId: string): Promise<string | null> {
    return this.pointers.get(tabletId) ?? null;
  }

  async save(session: SessionRecord): Promise<void> {
    this.put(toStored(session));
    let ids = this.byTablet.get(session.tabletId);
    if (!ids) this.byTablet.set(session.tabletId, (ids = new Set()));
    ids.add(session.sessionId);
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    const session = this.sessions.get(sessionId);
    return session ? toRecord(session) : null;
  }

  async transition(sessionId: string, from: readonly SessionStatus[], change: SessionTransition): Promise<TransitionResult> {
    const session = this.sessions.get(sessionId);
    if (!session) return { outcome: 'not-found' };
    if (!from.includes(session.status)) return { outcome: 'conflict', status: session.status };
    const updated = { ...session, ...copy(change) };
    for (const k of ['startedAt', 'endedAt', 'endReason'] as const) if (updated[k] === undefined) delete updated[k];
    this.put(updated);
    return { outcome: 'done', session: toRecord(updated) };
  }

  async updateDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<SessionRecord | null> {
    const updated = this.patch(sessionId, deviceId, patch);
    return updated ? toRecord(updated) : null;
  }

  async patchDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<boolean> {
    return this.patch(sessionId, deviceId, patch) !== null;
  }

  private patch(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Stored | null {
    const session = this.sessions.get(sessionId);
    if (!session) return null;
    const current = session.deviceStatuses[deviceId] ?? EMPTY_DEVICE_STATUS;
    const updated = { ...session, deviceStatuses: { ...session.deviceStatuses, [deviceId]: { ...current, ...copy(patch) } } };
    this.sessions.set(sessionId, updated, this.ttls.sessionSeconds * 1000);
    return updated;
  }

  async list(query: SessionQuery): Promise<SessionPage> {
    const after = decodeSessionCursor(query.cursor);
    // A tablet's sessions come from its own index, not a walk of everyone's.
    const candidates = query.tabletId !== undefined ? this.live(this.byTablet.get(query.tabletId)) : [...this.sessions.values()];
    const ordered = candidates
      .sort(newestFirst)
      .filter((s) => !after || isBefore(s, after))
      .filter((s) => sessionMatches(s, query));
    const bytes = new PageBytes(query.maxBytes);
    const page: SessionRecord[] = [];
    for (const { metadataJson, ...rest } of ordered.slice(0, query.limit)) {
      if (!bytes.take(JSON.stringify(rest).length + (metadataJson?.length ?? 0))) break;
      page.push(toRecord({ ...rest, ...(metadataJson !== undefined ? { metadataJson } : {}) }));
    }
    const last = page[page.length - 1];
    return {
      sessions: page,
      total: candidates.filter((s) => sessionMatches(s, query)).length,
      totalExact: true,
      nextCursor: ordered.length > page.length && last ? encodeSessionCursor(last) : undefined,
    };
  }

  async countActive(): Promise<number> {
    return this.live(this.active).length;
  }

  async activeCreatedBefore(before: Date, limit: number): Promise<SessionRecord[]> {
    return this.live(this.active)
      .filter((s) => s.createdAt.getTime() < before.getTime())
      .sort((a, b) => -newestFirst(a, b))
      .slice(0, limit)
      .map(toRecord);
  }

  async countForTablet(tabletId: string): Promise<number> {
    return this.live(this.byTablet.get(tabletId)).length;
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    this.active.delete(sessionId);
    if (session) this.dropFromTablet(session.tabletId, sessionId);
  }

  purgeExpired(): void {
    this.sessions.purgeExpired();
    this.pointers.purgeExpired();
    for (const id of this.active) if (!this.sessions.get(id)) this.active.delete(id);
    for (const [tabletId, ids] of this.byTablet) for (const id of ids) if (!this.sessions.get(id)) this.dropFromTablet(tabletId, id);
  }

  private put(session: Stored): void {
    this.sessions.set(session.sessionId, session, this.ttls.sessionSeconds * 1000);
    if (ACTIVE_SESSION_STATUSES.includes(session.status)) this.active.add(session.sessionId);
    else this.active.delete(session.sessionId);
  }

  /** The sessions of an index that have not expired. */
  private live(ids: Iterable<string> | undefined): Stored[] {
    const found: Stored[] = [];
    for (const id of ids ?? []) {
      const session = this.sessions.get(id);
      if (session) found.push(session);
    }
    return found;
  }

  private dropFromTablet(tabletId: string, sessionId: string): void {
    const ids = this.byTablet.get(tabletId);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.byTablet.delete(tabletId);
  }
}

/** Same order as a Redis sorted set read in reverse: score, then member bytes. */
function newestFirst(a: Stored, b: Stored): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0;
}

function isBefore(s: Stored, cursor: ListPosition): boolean {
  const t = s.createdAt.getTime();
  return t < cursor.at || (t === cursor.at && s.sessionId < cursor.id);
}

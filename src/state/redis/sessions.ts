import { PageBytes } from '../page-bytes';
import type Redis from 'ioredis';
import { ACTIVE_SESSION_STATUSES } from '../../domain/sessions';
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
import { EMPTY_DEVICE_STATUS, SESSION_STATUSES } from '../types';
import { decodeSessionCursor, encodeSessionCursor, sessionMatches } from '../session-cursor';
import { pruneIndex } from './prune-index';
import { decodeDate, decodeJson, encodeDate, hsetArgs, isEmpty, pairsToFields, type Fields } from './codec';

const sessionKey = (id: string) => `session:${id}`;
/** Metadata (up to 100 KB) lives beside the hash, so walking the index never reads it. */
const metadataKey = (id: string) => `session-meta:${id}`;
/** Sessions whose metadata a page reads in one round trip, while it fits in its bytes. */
const METADATA_BATCH = 20;
/** Sorted set of session IDs scored by createdAt (ms): the listing index. */
const INDEX_KEY = 'sessions:by_created';
/** The same, per tablet (a validated device ID): active() and the quota read only the tablet's sessions. */
const tabletIndex = (tabletId: string) => `sessions:tablet:${tabletId}`;
/** Sessions in an active status, scored by createdAt: the gauge's count and the expiry job's list. */
const ACTIVE_KEY = 'sessions:active';
const SCAN_BATCH = 200;
/** The tablet's active session ID: one pointer per tablet, set atomically. */
const activeKey = (tabletId: string) => `tablet_active_session:${tabletId}`;
const ACTIVE_LIST = `,${ACTIVE_SESSION_STATUSES.join(',')},`;

// Sets the pointer unless it names another session whose status is still active.
// KEYS[2] is the prefixed 'session:' stem (ioredis prefixes KEYS). ARGV: session ID, TTL, ',active,statuses,'.
const CLAIM_ACTIVE = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  local status = redis.call('HGET', KEYS[2] .. current, 'status')
  if status and string.find(ARGV[3], ',' .. status .. ',', 1, true) then return {0, current} end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {1}`;

const RELEASE_ACTIVE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;
/** Each device's status is its own hash field, so devices never overwrite each other. */
const DEVICE_STATUS_FIELD = 'ds:';

// Compare-and-set on the status field. KEYS: hash, metadata, active index.
// ARGV: allowed statuses (comma-joined), TTL, whether the new status is active ('1'/'0'), session ID, then HSET pairs.
// No transition makes a finished session active again, so only leaving the active index needs doing here.
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0} end
if not string.find(',' .. ARGV[1] .. ',', ',' .. status .. ',', 1, true) then return {2, status} end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if ARGV[3] == '0' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return {1, redis.call('HGETALL', KEYS[1])}`;

// Merges a JSON patch into one device's status field. ARGV: field, patch, default.
const UPDATE_DEVICE_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local current = cjson.decode(raw or ARGV[3])
for k, v in pairs(cjson.decode(ARGV[2])) do current[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(current))
return redis.call('HGETALL', KEYS[1])`;

function encode(s: SessionRecord): Record<string, string | undefined> {
  return {
    sessionId: s.sessionId,
    tabletId: s.tabletId,
    deviceIds: JSON.stringify(s.deviceIds),
    status: s.status,
    createdAt: encodeDate(s.createdAt),
    startedAt: s.startedAt && encodeDate(s.startedAt),
    endedAt: s.endedAt && encodeDate(s.endedAt),
    endReason: s.endReason,
    connectionId: s.connectionId,
    ...Object.fromEntries(
      Object.entries(s.deviceStatuses).map(([deviceId, status]) => [DEVICE_STATUS_FIELD + deviceId, JSON.stringify(status)]),
    ),
  };
}

function decodeDeviceStatuses(f: Fields): SessionRecord['deviceStatuses'] {
  const statuses: SessionRecord['deviceStatuses'] = {};
  for (const [field, value] of Object.entries(f)) {
    if (!field.startsWith(DEVICE_STATUS_FIELD)) continue;
    const status = decodeJson<DeviceSessionStatus>(value);
    if (status) statuses[field.slice(DEVICE_STATUS_FIELD.length)] = { ...EMPTY_DEVICE_STATUS, ...status };
  }
  return statuses;
}

function decode(f: Fields): SessionRecord | null {
  const createdAt = decodeDate(f.createdAt);
  const deviceIds = decodeJson<string[]>(f.deviceIds);
  if (!f.sessionId || !f.tabletId || !createdAt || !Array.isArray(deviceIds)) return null;
  if (!SESSION_STATUSES.includes(f.status as SessionStatus)) return null;
  return {
    sessionId: f.sessionId,
    tabletId: f.tabletId,
    deviceIds,
    status: f.status as SessionStatus,
    createdAt,
    startedAt: decodeDate(f.startedAt),
    endedAt: decodeDate(f.endedAt),
    endReason: f.endReason || undefined,
    ...(f.connectionId ? { connectionId: f.connectionId } : {}),
    // Sessions saved before metadata moved to its own key still carry it here.
    metadata: decodeJson<Record<string, unknown>>(f.metadata),
    deviceStatuses: decodeDeviceStatuses(f),
  };
}

/** A transition's fields; an optional field set to undefined is cleared (stored empty). */
function encodeChange(change: SessionTransition): Record<string, string> {
  return {
    status: change.status,
    ...('startedAt' in change ? { startedAt: change.startedAt ? encodeDate(change.startedAt) : '' } : {}),
    ...('endedAt' in change ? { endedAt: change.endedAt ? encodeDate(change.endedAt) : '' } : {}),
    ...('endReason' in change ? { endReason: change.endReason ?? '' } : {}),
  };
}

/** Drops undefined optional fields so both stores return the same shape. */
function compact(s: SessionRecord): SessionRecord {
  for (const k of ['startedAt', 'endedAt', 'endReason', 'metadata'] as const) if (s[k] === undefined) delete s[k];
  return s;
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttls: StoreTtls,
  ) {}

  async claimActive(tabletId: string, sessionId: string): Promise<ActiveClaim> {
    const [code, current] = (await this.redis.eval(
      CLAIM_ACTIVE,
      2,
      activeKey(tabletId),
      sessionKey(''),
      sessionId,
      String(this.ttls.sessionSeconds),
      ACTIVE_LIST,
    )) as [number, string?];
    return code === 1 ? { outcome: 'claimed' } : { outcome: 'held', sessionId: current ?? '' };
  }

  async releaseActive(tabletId: string, sessionId: string): Promise<void> {
    await this.redis.eval(RELEASE_ACTIVE, 1, activeKey(tabletId), sessionId);
  }

  async activeOf(tabletId: string): Promise<string | null> {
    return this.redis.get(activeKey(tabletId));
  }

  async save(session: SessionRecord): Promise<void> {
    const key = sessionKey(session.sessionId);
    const oldest = Date.now() - this.ttls.sessionSeconds * 1000;
    const score = session.createdAt.getTime();
    const tx = this.redis
      .multi()
      .del(key)
      .hset(key, ...hsetArgs(encode(session)))
      .expire(key, this.ttls.sessionSeconds)
      .zadd(INDEX_KEY, score, session.sessionId)
      .zadd(tabletIndex(session.tabletId), score, session.sessionId)
      .expire(tabletIndex(session.tabletId), this.ttls.sessionSeconds)
      // Index entries older than the session TTL point at expired hashes.
      .zremrangebyscore(INDEX_KEY, '-inf', `(${oldest}`)
      .zremrangebyscore(tabletIndex(session.tabletId), '-inf', `(${oldest}`);
    if (session.metadata) tx.set(metadataKey(session.sessionId), JSON.stringify(session.metadata), 'EX', this.ttls.sessionSeconds);
    else tx.del(metadataKey(session.sessionId));
    if (ACTIVE_SESSION_STATUSES.includes(session.status)) tx.zadd(ACTIVE_KEY, score, session.sessionId);
    else tx.zrem(ACTIVE_KEY, session.sessionId);
    await tx.exec();
  }

  async transition(sessionId: string, from: readonly SessionStatus[], change: SessionTransition): Promise<TransitionResult> {
    const fields = encodeChange(change);
    const reply = (await this.redis.eval(
      TRANSITION,
      3,
      sessionKey(sessionId),
      metadataKey(sessionId),
      ACTIVE_KEY,
      from.join(','),
      String(this.ttls.sessionSeconds),
      ACTIVE_SESSION_STATUSES.includes(change.status) ? '1' : '0',
      sessionId,
      ...hsetArgs(fields),
    )) as [number, string[] | string];
    const [code, value] = reply;
    if (code === 0) return { outcome: 'not-found' };
    if (code === 2) return { outcome: 'conflict', status: value as SessionStatus };
    const session = decode(pairsToFields(value as string[]));
    if (!session) return { outcome: 'not-found' };
    // Fields the transition cleared are stored empty; drop them from the record.
    return { outcome: 'done', session: (await this.withMetadata([compact(session)]))[0]! };
  }

  async updateDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<SessionRecord | null> {
    const pairs = (await this.redis.eval(
      UPDATE_DEVICE_STATUS,
      1,
      sessionKey(sessionId),
      DEVICE_STATUS_FIELD + deviceId,
      JSON.stringify(patch),
      JSON.stringify(EMPTY_DEVICE_STATUS),
    )) as string[] | null;
    const session = pairs ? decode(pairsToFields(pairs)) : null;
    return session && (await this.withMetadata([compact(session)]))[0]!;
  }

  async patchDeviceStatus(sessionId: string, deviceId: string, patch: Partial<DeviceSessionStatus>): Promise<boolean> {
    const pairs = await this.redis.eval(
      UPDATE_DEVICE_STATUS,
      1,
      sessionKey(sessionId),
      DEVICE_STATUS_FIELD + deviceId,
      JSON.stringify(patch),
      JSON.stringify(EMPTY_DEVICE_STATUS),
    );
    return pairs !== null;
  }

  async list(query: SessionQuery): Promise<SessionPage> {
    const after = decodeSessionCursor(query.cursor);
    const max = after ? String(after.at) : '+inf';
    // A tablet's sessions come from its own index, not a walk of everyone's.
    const index = query.tabletId !== undefined ? tabletIndex(query.tabletId) : INDEX_KEY;
    const found: SessionRecord[] = [];
    let offset = 0;
    const expired: string[] = [];
    // Read the index in batches until one more match than the page is found,
    // so nextCursor is only given when another page really exists.
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', offset, SCAN_BATCH);
      if (ids.length === 0) break;
      offset += ids.length;
      const { sessions, gone } = await this.getMany(ids);
      expired.push(...gone);
      for (const s of sessions) {
        if (after && s.createdAt.getTime() === after.at && s.sessionId >= after.id) continue;
        if (sessionMatches(s, query)) found.push(s);
      }
      if (found.length > query.limit || ids.length < SCAN_BATCH) break;
    }
    // Pruned after the walk so offsets stay valid during it.
    await pruneIndex(this.redis, { key: index, type: 'zset' }, sessionKey(''), expired);
    const page = await this.withMetadataWithin(found.slice(0, query.limit), query.maxBytes);
    const last = page[page.length - 1];
    // The index counted (see PageTotal): exact unless a status filter applies.
    const total = { total: await this.redis.zcard(index), totalExact: query.status === undefined };
    return { sessions: page, ...total, nextCursor: found.length > page.length && last ? encodeSessionCursor(last) : undefined };
  }

  async countActive(): Promise<number> {
    return this.redis.zcard(ACTIVE_KEY);
  }

  async activeCreatedBefore(before: Date, limit: number): Promise<SessionRecord[]> {
    const ids = await this.redis.zrangebyscore(ACTIVE_KEY, '-inf', `(${before.getTime()}`, 'LIMIT', 0, limit);
    const { sessions, gone } = await this.getMany(ids);
    await pruneIndex(this.redis, { key: ACTIVE_KEY, type: 'zset' }, sessionKey(''), gone);
    return this.withMetadata(sessions.filter((s) => ACTIVE_SESSION_STATUSES.includes(s.status)));
  }

  async countForTablet(tabletId: string): Promise<number> {
    const ids = await this.redis.zrange(tabletIndex(tabletId), 0, -1);
    if (ids.length === 0) return 0;
    // Only sessions that still exist count: a quota check must not be refused by expired ones.
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(sessionKey(id));
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err)?.[0];
    if (failed) throw failed;
    const gone = ids.filter((_, i) => replies[i]![1] === 0);
    await pruneIndex(this.redis, { key: tabletIndex(tabletId), type: 'zset' }, sessionKey(''), gone);
    return ids.length - gone.length;
  }

  async remove(sessionId: string): Promise<void> {
    const tabletId = await this.redis.hget(sessionKey(sessionId), 'tabletId');
    const tx = this.redis.multi().del(sessionKey(sessionId), metadataKey(sessionId)).zrem(INDEX_KEY, sessionId).zrem(ACTIVE_KEY, sessionId);
    if (tabletId) tx.zrem(tabletIndex(tabletId), sessionId);
    await tx.exec();
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    const { sessions } = await this.getMany([sessionId]);
    return sessions[0] ? (await this.withMetadata(sessions))[0]! : null;
  }

  /**
   * A page's sessions with their metadata, read a few at a time while the page fits in
   * maxBytes (the first always does): a page of sessions with 100 KB of metadata each
   * never loads them all. Answers the sessions that fit, in order.
   */
  private async withMetadataWithin(sessions: SessionRecord[], maxBytes: number | undefined): Promise<SessionRecord[]> {
    const bytes = new PageBytes(maxBytes);
    const out: SessionRecord[] = [];
    for (let i = 0; i < sessions.length; i += METADATA_BATCH) {
      const chunk = sessions.slice(i, i + METADATA_BATCH);
      const raws = await this.redis.mget(chunk.map((s) => metadataKey(s.sessionId)));
      for (const [j, s] of chunk.entries()) {
        const raw = raws[j] ?? undefined;
        if (!bytes.take(JSON.stringify(s).length + (raw?.length ?? 0))) return out;
        const metadata = decodeJson<Record<string, unknown>>(raw);
        out.push(metadata ? { ...s, metadata } : s);
      }
    }
    return out;
  }

  /** Reads the metadata of the given sessions only (a page, one session), in one round trip. */
  private async withMetadata(sessions: SessionRecord[]): Promise<SessionRecord[]> {
    if (sessions.length === 0) return sessions;
    const raws = await this.redis.mget(sessions.map((s) => metadataKey(s.sessionId)));
    return sessions.map((s, i) => {
      const metadata = decodeJson<Record<string, unknown>>(raws[i] ?? undefined);
      return metadata ? { ...s, metadata } : s;
    });
  }

  private async getMany(ids: string[]): Promise<{ sessions: SessionRecord[]; gone: string[] }> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(sessionKey(id));
    const replies = (await pipeline.exec()) ?? [];
    // A failed read is not a missing session: with Redis away, "not found" would be a lie.
    const failed = replies.find(([err]) => err)?.[0];
    if (failed) throw failed;
    const sessions: SessionRecord[] = [];
    const gone: string[] = [];
    replies.forEach(([, fields], i) => {
      const session = isEmpty(fields as Fields) ? null : decode(fields as Fields);
      if (session) sessions.push(compact(session));
      else gone.push(ids[i]!);
    });
    return { sessions, gone };
  }
}

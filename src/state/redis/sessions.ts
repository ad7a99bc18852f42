import type Redis from 'ioredis';
import type { SessionPage, SessionQuery, SessionRecord, SessionStatus, SessionStore, StoreTtls } from '../types';
import { SESSION_STATUSES } from '../types';
import { decodeSessionCursor, encodeSessionCursor, sessionMatches } from '../session-cursor';
import { pruneIndex } from './prune-index';
import { decodeDate, decodeJson, encodeDate, hsetArgs, isEmpty, type Fields } from './codec';

const sessionKey = (id: string) => `session:${id}`;
/** Sorted set of session IDs scored by createdAt (ms): the listing index. */
const INDEX_KEY = 'sessions:by_created';
const SCAN_BATCH = 200;

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
    metadata: s.metadata && JSON.stringify(s.metadata),
    deviceStatuses: JSON.stringify(s.deviceStatuses),
  };
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
    metadata: decodeJson<Record<string, unknown>>(f.metadata),
    deviceStatuses: decodeJson<SessionRecord['deviceStatuses']>(f.deviceStatuses) ?? {},
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

  async save(session: SessionRecord): Promise<void> {
    const key = sessionKey(session.sessionId);
    const oldest = Date.now() - this.ttls.sessionSeconds * 1000;
    await this.redis
      .multi()
      .del(key)
      .hset(key, ...hsetArgs(encode(session)))
      .expire(key, this.ttls.sessionSeconds)
      .zadd(INDEX_KEY, session.createdAt.getTime(), session.sessionId)
      // Index entries older than the session TTL point at expired hashes.
      .zremrangebyscore(INDEX_KEY, '-inf', `(${oldest}`)
      .exec();
  }

  async list(query: SessionQuery): Promise<SessionPage> {
    const after = query.cursor ? decodeSessionCursor(query.cursor) : undefined;
    const max = after ? String(after.createdAt) : '+inf';
    const found: SessionRecord[] = [];
    let offset = 0;
    const expired: string[] = [];
    // Read the index in batches until one more match than the page is found,
    // so nextCursor is only given when another page really exists.
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(INDEX_KEY, max, '-inf', 'LIMIT', offset, SCAN_BATCH);
      if (ids.length === 0) break;
      offset += ids.length;
      const { sessions, gone } = await this.getMany(ids);
      expired.push(...gone);
      for (const s of sessions) {
        if (after && s.createdAt.getTime() === after.createdAt && s.sessionId >= after.sessionId) continue;
        if (sessionMatches(s, query)) found.push(s);
      }
      if (found.length > query.limit || ids.length < SCAN_BATCH) break;
    }
    // Pruned after the walk so offsets stay valid during it.
    await pruneIndex(this.redis, { key: INDEX_KEY, type: 'zset' }, sessionKey(''), expired);
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return { sessions: page, nextCursor: found.length > query.limit && last ? encodeSessionCursor(last) : undefined };
  }

  async remove(sessionId: string): Promise<void> {
    await this.redis.multi().del(sessionKey(sessionId)).zrem(INDEX_KEY, sessionId).exec();
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    const { sessions } = await this.getMany([sessionId]);
    return sessions[0] ?? null;
  }

  private async getMany(ids: string[]): Promise<{ sessions: SessionRecord[]; gone: string[] }> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(sessionKey(id));
    const replies = (await pipeline.exec()) ?? [];
    const sessions: SessionRecord[] = [];
    const gone: string[] = [];
    replies.forEach(([err, fields], i) => {
      if (err) return;
      const session = isEmpty(fields as Fields) ? null : decode(fields as Fields);
      if (session) sessions.push(compact(session));
      else gone.push(ids[i]!);
    });
    return { sessions, gone };
  }
}

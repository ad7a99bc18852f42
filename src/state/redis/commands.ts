import type Redis from 'ioredis';
import { actorKindSchema } from '../../domain/actor';
import { recordingStartSchema, type RecordingStart } from '../../domain/clock';
import { commandActionSchema, commandStateSchema } from '../../domain/commands';
import {
  DEFAULT_COMMANDS_PER_ISSUER,
  DEFAULT_TIMELINE_RETENTION_SECONDS,
  type CommandCreation,
  type CommandResolution,
  type CommandPage,
  type CommandQuery,
  type CommandRecord,
  type CommandStore,
  type StoreTtls,
} from '../types';
import { decodeDate, hsetArgs, isEmpty, pairsToFields, type Fields } from './codec';
import { commandOrder, decodeCommandCursor, encodeCommandCursor, isAfterCursor } from '../stream-ids';

/**
 * command:{id} (hash, expiring after the retention), indexed by issue time in
 * commands:all, commands:device:{id} and commands:issuer:{id} (sorted sets
 * trimmed to the retention on every create, the issuer's also to its cap of
 * records, COMMANDS_PER_TABLET, its oldest going first); `sent` ones also in
 * commands:sent (by deadline) and commands:pending:{deviceId} (by issue time).
 */
const key = {
  record: (id: string) => `command:${id}`,
  all: 'commands:all',
  device: (id: string) => `commands:device:${id}`,
  issuer: (id: string) => `commands:issuer:${id}`,
  sent: 'commands:sent',
  pending: (deviceId: string) => `commands:pending:${deviceId}`,
};

// KEYS: record, all, device, issuer, sent, pending. ARGV: ttl s, issuedAt ms, oldest ms, deadline ms, state, id, per-issuer cap, fields...
// Beyond the cap the issuer's own oldest records go: their record and their all, issuer and sent entries (KEYS[1]
// without the new ID is the prefixed 'command:' the client wrote it under). Their device and pending entries are
// left to the retention trim: a reader skips an entry whose record is gone.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('EXPIRE', KEYS[1], ARGV[1])
for i = 2, 4 do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[6])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[3])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
if ARGV[5] == 'sent' then
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[6])
  redis.call('ZADD', KEYS[6], ARGV[2], ARGV[6])
  redis.call('EXPIRE', KEYS[6], ARGV[1])
end
local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[7])
if over > 0 then
  local base = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[6])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, over)) do
    if over > 0 and id ~= ARGV[6] then
      redis.call('DEL', base .. id)
      for _, k in ipairs({ KEYS[2], KEYS[4], KEYS[5] }) do redis.call('ZREM', k, id) end
      over = over - 1
    end
  end
end
return false`;

// KEYS: record, sent, pending. ARGV: id, state, updatedAt, reason ('' for none), start JSON ('' for none).
const RESOLVE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'sent' then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updatedAt', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'start', ARGV[5]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

function encode(r: CommandRecord): string[] {
  return hsetArgs({
    commandId: r.commandId,
    action: r.action,
    deviceId: r.deviceId,
    issuedByKind: r.issuedBy.kind,
    issuedById: r.issuedBy.id,
    issuedAt: r.issuedAt.toISOString(),
    state: r.state,
    updatedAt: r.updatedAt.toISOString(),
    reason: r.reason,
    expected: r.expected ? '1' : '0',
    deadline: r.deadline.toISOString(),
    batchId: r.batchId,
    sessionId: r.sessionId,
    startAt: r.startAt === undefined ? undefined : String(r.startAt),
    start: r.start ? JSON.stringify(r.start) : undefined,
  });
}

/** A start's JSON as written by RESOLVE; anything else reads as absent. */
function decodeStart(json: string | undefined): RecordingStart | undefined {
  if (!json) return undefined;
  try {
    const parsed = recordingStartSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A corrupt or partial hash reads as absent. */
function decode(f: Fields): CommandRecord | null {
  const issuedAt = decodeDate(f.issuedAt);
  const updatedAt = decodeDate(f.updatedAt);
  const deadline = decodeDate(f.deadline);
  const action = commandActionSchema.safeParse(f.action);
  const state = commandStateSchema.safeParse(f.state);
  const issuedByKind = actorKindSchema.safeParse(f.issuedByKind);
  if (!f.commandId || !f.deviceId || !f.issuedById || !issuedAt || !updatedAt || !deadline) return null;
  if (!action.success || !state.success || !issuedByKind.success) return null;
  const start = decodeStart(f.start);
  return {
    commandId: f.commandId,
    action: action.data,
    deviceId: f.deviceId,
    issuedBy: { kind: issuedByKind.data, id: f.issuedById },
    issuedAt,
    state: state.data,
    updatedAt,
    expected: f.expected === '1',
    deadline,
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.batchId ? { batchId: f.batchId } : {}),
    ...(f.sessionId ? { sessionId: f.sessionId } : {}),
    ...(f.startAt && Number.isSafeInteger(Number(f.startAt)) ? { startAt: Number(f.startAt) } : {}),
    ...(start ? { start } : {}),
  };
}

/** How many index entries a filtered list reads at most per page before answering what it found (with a cursor). */
const MAX_SCAN_PER_PAGE = 5_000;

export class RedisCommandStore implements CommandStore {
  private readonly retentionSeconds: number;
  private readonly perIssuer: number;

  constructor(
    private readonly redis: Redis,
    ttls: StoreTtls,
  ) {
    this.retentionSeconds = ttls.timelineRetentionSeconds ?? DEFAULT_TIMELINE_RETENTION_SECONDS;
    this.perIssuer = ttls.commandsPerIssuer ?? DEFAULT_COMMANDS_PER_ISSUER;
  }

  async create(record: CommandRecord): Promise<CommandCreation> {
    const existing = (await this.redis.eval(
      CREATE,
      6,
      key.record(record.commandId),
      key.all,
      key.device(record.deviceId),
      key.issuer(record.issuedBy.id),
      key.sent,
      key.pending(record.deviceId),
      String(this.retentionSeconds),
      String(record.issuedAt.getTime()),
      String(Date.now() - this.retentionSeconds * 1000),
      String(record.deadline.getTime()),
      record.state,
      record.commandId,
      String(this.perIssuer),
      ...encode(record),
    )) as string[] | null;
    if (!existing) return { outcome: 'created', record };
    const stored = decode(pairsToFields(existing));
    if (!stored) throw new Error(`command ${record.commandId} is stored corrupt`);
    return { outcome: 'exists', record: stored };
  }

  async get(commandId: string): Promise<CommandRecord | null> {
    const fields = await this.redis.hgetall(key.record(commandId));
    return isEmpty(fields) ? null : decode(fields);
  }

  async resolve(commandId: string, change: CommandResolution) {
    const record = await this.get(commandId);
    if (!record || record.state !== 'sent') return null;
    const pairs = (await this.redis.eval(
      RESOLVE,
      3,
      key.record(commandId),
      key.sent,
      key.pending(record.deviceId),
      commandId,
      change.state,
      change.at.toISOString(),
      change.reason ?? '',
      change.start ? JSON.stringify(change.start) : '',
    )) as string[] | null;
    return pairs ? decode(pairsToFields(pairs)) : null;
  }

  async pendingFor(deviceId: string): Promise<CommandRecord[]> {
    return this.records(await this.redis.zrange(key.pending(deviceId), 0, -1));
  }

  async overdue(now: Date, limit: number): Promise<CommandRecord[]> {
    const ids = await this.redis.zrangebyscore(key.sent, '-inf', now.getTime(), 'LIMIT', 0, limit);
    const records = await this.records(ids);
    // An index entry whose record expired has nothing left to resolve.
    const gone = ids.filter((id) => !records.some((r) => r.commandId === id));
    if (gone.length > 0) await this.redis.zrem(key.sent, ...gone);
    return records.filter((r) => r.state === 'sent');
  }

  async list(query: CommandQuery): Promise<CommandPage> {
    const cursor = decodeCommandCursor(query.cursor);
    const index = query.deviceId ? key.device(query.deviceId) : query.issuedBy ? key.issuer(query.issuedBy) : key.all;
    const oldest = Math.max(Date.now() - this.retentionSeconds * 1000, query.from?.getTime() ?? 0);
    const max = Math.min(query.to?.getTime() ?? Number.MAX_SAFE_INTEGER, cursor?.at ?? Number.MAX_SAFE_INTEGER);
    const found: CommandRecord[] = [];
    let scanned = 0;
    let offset = 0;
    const batch = Math.max(query.limit + 1, 100);
    while (found.length <= query.limit && scanned < MAX_SCAN_PER_PAGE) {
      const ids = await this.redis.zrevrangebyscore(index, max, oldest, 'LIMIT', offset, batch);
      if (ids.length === 0) break;
      scanned += ids.length;
      offset += ids.length;
      for (const r of (await this.records(ids)).sort(commandOrder)) {
        if (cursor && !isAfterCursor(r, cursor)) continue;
        if (query.deviceId !== undefined && r.deviceId !== query.deviceId) continue;
        if (query.issuedBy !== undefined && r.issuedBy.id !== query.issuedBy) continue;
        if (query.state !== undefined && r.state !== query.state) continue;
        found.push(r);
      }
      if (ids.length < batch) break;
    }
    const page = found.sort(commandOrder).slice(0, query.limit);
    const last = page.at(-1);
    const more = found.length > query.limit || (scanned >= MAX_SCAN_PER_PAGE && last !== undefined);
    const to = query.to?.getTime() ?? Number.MAX_SAFE_INTEGER;
    return {
      commands: page,
      total: await this.redis.zcount(index, oldest, to),
      totalExact: query.state === undefined && !(query.deviceId && query.issuedBy),
      ...(more && last ? { nextCursor: encodeCommandCursor(last) } : {}),
    };
  }

  private async records(ids: readonly string[]): Promise<CommandRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(key.record(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: CommandRecord[] = [];
    for (const [err, fields] of replies) {
      if (err) throw err;
      const record = isEmpty(fields as Fields) ? null : decode(fields as Fields);
      if (record) out.push(record);
    }
    return out;
  }
}

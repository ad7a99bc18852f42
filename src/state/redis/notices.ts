import type Redis from 'ioredis';
import type { HeldNotices, NoticeOffer, NoticeWindowStore } from '../notice-types';

/**
 * notice:{scope}:{key} -> hash { until, window, count }; notice:{scope}:{key}:items -> list of the
 * newest held items; notices:{scope}:due -> sorted set of keys holding notices, by window end.
 * Every key expires an hour after its window would have been taken, so nothing outlives its use.
 */
const windowStem = (scope: string) => `notice:${scope}:`;
const dueKey = (scope: string) => `notices:${scope}:due`;
const KEEP_MS = 3_600_000;

// KEYS: window hash, its items, the scope's due set. ARGV: at ms, window ms, item, max items, key.
const OFFER = `
local at = tonumber(ARGV[1])
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if until_ <= at and count == 0 then
  redis.call('HSET', KEYS[1], 'until', string.format('%d', at + tonumber(ARGV[2])), 'window', ARGV[2], 'count', 0)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + ${KEEP_MS})
  return 1
end
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
local keep = math.max(until_ - at, 0) + ${KEEP_MS}
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('ZADD', KEYS[3], string.format('%d', until_), ARGV[5])
return 0`;

// KEYS: the scope's due set, the prefixed window stem. ARGV: now ms, limit.
// Returns { key, count, items } per window taken.
const TAKE = `
local now = tonumber(ARGV[1])
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, key in ipairs(keys) do
  redis.call('ZREM', KEYS[1], key)
  local h = KEYS[2] .. key
  local count = tonumber(redis.call('HGET', h, 'count') or '0')
  if count > 0 then
    local items = redis.call('LRANGE', h .. ':items', 0, -1)
    redis.call('DEL', h .. ':items')
    local window = tonumber(redis.call('HGET', h, 'window') or '60000')
    redis.call('HSET', h, 'count', 0, 'until', string.format('%d', now + window))
    redis.call('PEXPIRE', h, window + ${KEEP_MS})
    table.insert(out, { key, count, items })
  end
end
return out`;

export class RedisNoticeWindowStore implements NoticeWindowStore {
  constructor(private readonly redis: Redis) {}

  async offer(scope: string, key: string, item: string, at: Date, windowMs: number, maxItems: number): Promise<NoticeOffer> {
    const hash = `${windowStem(scope)}${key}`;
    const answer = await this.redis.eval(
      OFFER,
      3,
      hash,
      `${hash}:items`,
      dueKey(scope),
      String(at.getTime()),
      String(windowMs),
      item,
      String(maxItems),
      key,
    );
    return answer === 1 ? 'announce' : 'held';
  }

  async takeDue(scope: string, now: Date, limit: number): Promise<HeldNotices[]> {
    const rows = (await this.redis.eval(TAKE, 2, dueKey(scope), windowStem(scope), String(now.getTime()), String(limit))) as Array<
      [string, number, string[]]
    >;
    return rows.map(([key, count, items]) => ({ key, count: Number(count), items }));
  }
}

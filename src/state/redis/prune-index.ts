import type Redis from 'ioredis';

// Removes index members whose record key no longer exists, checked atomically
// so a record re-created between a read and the prune keeps its index entry.
// KEYS[1] index, KEYS[2] the prefixed key stem (e.g. 'device:'); ARGV[1] 'set' or 'zset'.
const PRUNE = `
local removed = 0
for i = 2, #ARGV do
  if redis.call('EXISTS', KEYS[2] .. ARGV[i]) == 0 then
    if ARGV[1] == 'zset' then redis.call('ZREM', KEYS[1], ARGV[i]) else redis.call('SREM', KEYS[1], ARGV[i]) end
    removed = removed + 1
  end
end
return removed`;

export async function pruneIndex(
  redis: Redis,
  index: { key: string; type: 'set' | 'zset' },
  keyStem: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  // ioredis applies keyPrefix to both KEYS, so the stem arrives prefixed like the records.
  await redis.eval(PRUNE, 2, index.key, keyStem, index.type, ...ids);
}

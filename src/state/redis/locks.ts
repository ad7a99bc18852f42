import type Redis from 'ioredis';
import type { AcquireResult, LockInfo, LockStore, StoreTtls } from '../types';
import { readInChunks } from './fleet-reads';

export const lockKey = (deviceId: string) => `lock:${deviceId}`;
const tabletLocksKey = (tabletId: string) => `tablet_locks:${tabletId}`;
/**
 * When the lock was taken (ms since the epoch), beside the spec's `lock:` key
 * (whose value stays the holder) and with the same TTL. Not under `lock:`, so
 * HELD_BY's `lock:` stem never matches it.
 */
export const lockedAtKey = (deviceId: string) => `lock_at:${deviceId}`;

/** A lock as read from its two keys; null when `lock:` is absent. */
export function decodeLock(deviceId: string, tabletId: unknown, lockedAt: unknown, now: number): LockInfo | null {
  if (typeof tabletId !== 'string') return null;
  // A lock taken before lock_at: keys existed has no time; "now" until its owner refreshes it.
  const at = typeof lockedAt === 'string' && /^\d{1,16}$/.test(lockedAt) ? Number(lockedAt) : now;
  return { deviceId, tabletId, lockedAt: new Date(at) };
}

// SET NX PX decides the winner atomically; the owner re-locking refreshes the TTL
// of both keys and keeps the time the lock was taken.
// Returns {outcome, holder, lockedAt}: 1 acquired, 2 refreshed, 0 held by someone else.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return {1, ARGV[1], ARGV[4]}
end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[3], ARGV[4], 'NX', 'PX', ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return {2, holder, redis.call('GET', KEYS[3])}
end
return {0, holder, false}`;

// Compare-and-delete: only the owner releases.
const RELEASE = `
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[3])
  return 1
end
return 0`;

// Reads a tablet's set and drops members whose lock expired or changed hands,
// atomically, so a concurrent re-lock cannot be pruned by mistake.
// Lock keys are built here from the set key's prefix (KEYS[2] = prefixed 'lock:').
const HELD_BY = `
local held = {}
for _, deviceId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('GET', KEYS[2] .. deviceId) == ARGV[1] then
    held[#held + 1] = deviceId
  else
    redis.call('SREM', KEYS[1], deviceId)
  end
end
return held`;

/** The scripts as ioredis commands: EVALSHA sends the script's hash, not its text, on every call. */
interface LockScripts {
  captureLockAcquire(lock: string, tabletLocks: string, lockedAt: string, ...args: string[]): Promise<[number, string, string | null]>;
  captureLockRelease(lock: string, tabletLocks: string, lockedAt: string, ...args: string[]): Promise<number>;
  captureLockHeldBy(tabletLocks: string, lockStem: string, tabletId: string): Promise<string[]>;
}

export class RedisLockStore implements LockStore {
  private readonly ttlMs: number;
  private readonly scripts: LockScripts;

  constructor(
    private readonly redis: Redis,
    ttls: StoreTtls,
  ) {
    this.ttlMs = ttls.lockSeconds * 1000;
    if (!('captureLockAcquire' in redis)) {
      redis.defineCommand('captureLockAcquire', { numberOfKeys: 3, lua: ACQUIRE });
      redis.defineCommand('captureLockRelease', { numberOfKeys: 3, lua: RELEASE });
      redis.defineCommand('captureLockHeldBy', { numberOfKeys: 2, lua: HELD_BY });
    }
    this.scripts = redis as unknown as LockScripts;
  }

  async acquire(deviceId: string, tabletId: string): Promise<AcquireResult> {
    const [code, holder, lockedAt] = await this.scripts.captureLockAcquire(
      lockKey(deviceId),
      tabletLocksKey(tabletId),
      lockedAtKey(deviceId),
      tabletId,
      String(this.ttlMs),
      deviceId,
      String(Date.now()),
    );
    if (code === 0) return { outcome: 'held', holder };
    const lock: LockInfo = { deviceId, tabletId, lockedAt: new Date(Number(lockedAt)) };
    return { outcome: code === 1 ? 'acquired' : 'refreshed', lock };
  }

  async release(deviceId: string, tabletId: string): Promise<boolean> {
    const released = await this.scripts.captureLockRelease(
      lockKey(deviceId),
      tabletLocksKey(tabletId),
      lockedAtKey(deviceId),
      tabletId,
      deviceId,
    );
    return released === 1;
  }

  async get(deviceId: string): Promise<LockInfo | null> {
    return (await this.getMany([deviceId])).get(deviceId) ?? null;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, LockInfo>> {
    const result = new Map<string, LockInfo>();
    if (deviceIds.length === 0) return result;
    // A failed read throws: it must not look like a free lock.
    const replies = await readInChunks(this.redis, deviceIds, (pipeline, id) => pipeline.get(lockKey(id)).get(lockedAtKey(id)));
    const now = Date.now();
    deviceIds.forEach((deviceId, i) => {
      const lock = decodeLock(deviceId, replies[2 * i], replies[2 * i + 1], now);
      if (lock) result.set(deviceId, lock);
    });
    return result;
  }

  async heldBy(tabletId: string): Promise<string[]> {
    // ioredis prefixes KEYS, so passing lockKey('') yields the prefixed 'lock:' stem.
    return this.scripts.captureLockHeldBy(tabletLocksKey(tabletId), lockKey(''), tabletId);
  }
}

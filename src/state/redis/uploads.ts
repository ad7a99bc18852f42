import type Redis from 'ioredis';
import type { InProgressSummary, KeyClaim, StoreTtls, UploadRecord, UploadStore } from '../types';
import { pruneIndex } from './prune-index';
import { decodeDate, decodeJson } from './codec';

const uploadKey = (id: string) => `upload:${id}`;
/** The claim on an object key: its owner, with the upload TTL. Keys are server-derived (sessions/...). */
const claimKey = (objectKey: string) => `upload_key:${objectKey}`;

// SET NX decides the winner atomically; the owner claiming again renews the TTL.
// Returns {1} claimed, {2} renewed, {0, holder} held by another owner.
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return {1} end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return {2}
end
return {0, holder}`;

// Compare-and-delete: only the owner releases.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Set of upload IDs on one object key; the key is server-derived (recordingKey), never client text. */
const onKeyIndex = (key: string) => `uploads:key:${key}`;
/** Sorted set of in-progress upload IDs scored by start time: the count, the oldest and the sweep's order. */
const IN_PROGRESS = 'uploads:in-progress';
/** The same, per device (device IDs are validated IDs): the per-device cap. */
const inProgressOfDevice = (deviceId: string) => `uploads:in-progress:device:${deviceId}`;

// Saves an in-progress upload unless its device has ARGV[1] in progress; members whose
// record expired do not count (they are pruned first). KEYS: the device's set, the record,
// the key index, the in-progress set, the record key stem. ARGV: max, JSON, TTL s, start ms, ID.
const BEGIN = `
local function full() return redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) end
if full() then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('EXISTS', KEYS[5] .. id) == 0 then redis.call('ZREM', KEYS[1], id) end
  end
  if full() then return 0 end
end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

// The in-progress count and the oldest start. Members whose record expired are
// dropped from the front first (the sweep's reads prune the rest), so the oldest is a live one.
// KEYS[1] the sorted set, KEYS[2] the prefixed record key stem. Returns { count, oldest score or '' }.
const SUMMARY = `
for _ = 1, 100 do
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then return {0, ''} end
  if redis.call('EXISTS', KEYS[2] .. first[1]) == 1 then return {redis.call('ZCARD', KEYS[1]), first[2]} end
  redis.call('ZREM', KEYS[1], first[1])
end
return {redis.call('ZCARD', KEYS[1]), ''}`;

type StoredUpload = Omit<UploadRecord, 'startedAt' | 'completedAt'> & { startedAt: string; completedAt?: string };

function decode(raw: string | null): UploadRecord | null {
  const stored = decodeJson<StoredUpload>(raw ?? undefined);
  const startedAt = decodeDate(stored?.startedAt);
  if (!stored || !startedAt || typeof stored.uploadId !== 'string') return null;
  const { completedAt, ...rest } = stored;
  const completed = decodeDate(completedAt);
  return { ...rest, startedAt, ...(completed ? { completedAt: completed } : {}) };
}

export class RedisUploadStore implements UploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttls: StoreTtls,
  ) {}

  async save(upload: UploadRecord): Promise<void> {
    const tx = this.redis
      .multi()
      .set(uploadKey(upload.uploadId), JSON.stringify(upload), 'EX', this.ttls.uploadSeconds)
      .sadd(onKeyIndex(upload.key), upload.uploadId)
      // The index lives as long as its newest record; older members are pruned on read.
      .expire(onKeyIndex(upload.key), this.ttls.uploadSeconds);
    if (upload.status === 'in-progress') tx.zadd(IN_PROGRESS, upload.startedAt.getTime(), upload.uploadId);
    else tx.zrem(IN_PROGRESS, upload.uploadId);
    if (upload.deviceId) {
      const mine = inProgressOfDevice(upload.deviceId);
      if (upload.status === 'in-progress') tx.zadd(mine, upload.startedAt.getTime(), upload.uploadId).expire(mine, this.ttls.uploadSeconds);
      else tx.zrem(mine, upload.uploadId);
    }
    await tx.exec();
  }

  async begin(upload: UploadRecord, maxPerDevice: number): Promise<boolean> {
    if (!upload.deviceId) {
      await this.save(upload);
      return true;
    }
    const keys = [inProgressOfDevice(upload.deviceId), uploadKey(upload.uploadId), onKeyIndex(upload.key), IN_PROGRESS, uploadKey('')];
    const args = [maxPerDevice, JSON.stringify(upload), this.ttls.uploadSeconds, upload.startedAt.getTime(), upload.uploadId].map(String);
    return (await this.redis.eval(BEGIN, keys.length, ...keys, ...args)) === 1;
  }

  async inProgressOf(deviceId: string): Promise<number> {
    const ids = await this.redis.zrange(inProgressOfDevice(deviceId), 0, -1);
    return (await this.read(ids, { key: inProgressOfDevice(deviceId), type: 'zset' })).filter((r) => r.status === 'in-progress').length;
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    return decode(await this.redis.get(uploadKey(uploadId)));
  }

  async onKey(key: string): Promise<UploadRecord[]> {
    return this.read(await this.redis.smembers(onKeyIndex(key)), { key: onKeyIndex(key), type: 'set' });
  }

  async inProgressBefore(startedBefore: Date, limit: number): Promise<UploadRecord[]> {
    const ids = await this.redis.zrangebyscore(IN_PROGRESS, '-inf', `(${startedBefore.getTime()}`, 'LIMIT', 0, limit);
    const records = await this.read(ids, { key: IN_PROGRESS, type: 'zset' });
    return records.filter((r) => r.status === 'in-progress');
  }

  async summary(): Promise<InProgressSummary> {
    const [count, oldest] = (await this.redis.eval(SUMMARY, 2, IN_PROGRESS, uploadKey(''))) as [number, string];
    return { count, ...(oldest ? { oldestStartedAt: new Date(Number(oldest)) } : {}) };
  }

  async remove(uploadId: string): Promise<void> {
    const record = await this.get(uploadId);
    const tx = this.redis.multi().del(uploadKey(uploadId)).zrem(IN_PROGRESS, uploadId);
    if (record) tx.srem(onKeyIndex(record.key), uploadId);
    if (record?.deviceId) tx.zrem(inProgressOfDevice(record.deviceId), uploadId);
    await tx.exec();
  }

  /** The records of the given IDs; IDs whose record expired are pruned from the index they came from. */
  private async read(ids: string[], index: { key: string; type: 'set' | 'zset' }): Promise<UploadRecord[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map(uploadKey));
    const uploads: UploadRecord[] = [];
    const gone: string[] = [];
    raws.forEach((raw, i) => {
      const upload = decode(raw);
      if (upload) uploads.push(upload);
      else gone.push(ids[i]!);
    });
    await pruneIndex(this.redis, index, uploadKey(''), gone);
    return uploads;
  }

  async claimKey(key: string, owner: string): Promise<KeyClaim> {
    const [code, holder] = (await this.redis.eval(CLAIM, 1, claimKey(key), owner, String(this.ttls.uploadSeconds))) as [number, string?];
    if (code === 1) return { outcome: 'claimed' };
    if (code === 2) return { outcome: 'renewed' };
    return { outcome: 'held', owner: holder ?? '' };
  }

  async releaseKey(key: string, owner: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, claimKey(key), owner)) === 1;
  }
}

import type Redis from 'ioredis';
import type { KeyClaim, StoreTtls, UploadRecord, UploadStore } from '../types';
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
/** Set of upload IDs for the stale-upload sweep; pruned on read. */
const INDEX_KEY = 'uploads';

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
    await this.redis
      .multi()
      .set(uploadKey(upload.uploadId), JSON.stringify(upload), 'EX', this.ttls.uploadSeconds)
      .sadd(INDEX_KEY, upload.uploadId)
      .exec();
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    return decode(await this.redis.get(uploadKey(uploadId)));
  }

  async list(): Promise<UploadRecord[]> {
    const ids = await this.redis.smembers(INDEX_KEY);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map(uploadKey));
    const uploads: UploadRecord[] = [];
    const gone: string[] = [];
    raws.forEach((raw, i) => {
      const upload = decode(raw);
      if (upload) uploads.push(upload);
      else gone.push(ids[i]!);
    });
    await pruneIndex(this.redis, { key: INDEX_KEY, type: 'set' }, uploadKey(''), gone);
    return uploads;
  }

  async remove(uploadId: string): Promise<void> {
    await this.redis.multi().del(uploadKey(uploadId)).srem(INDEX_KEY, uploadId).exec();
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

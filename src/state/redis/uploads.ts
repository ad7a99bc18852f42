import type Redis from 'ioredis';
import type { StoreTtls, UploadRecord, UploadStore } from '../types';
import { pruneIndex } from './prune-index';
import { decodeDate, decodeJson } from './codec';

const uploadKey = (id: string) => `upload:${id}`;
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
}

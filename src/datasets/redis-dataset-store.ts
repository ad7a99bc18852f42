import type Redis from 'ioredis';
import type { DatasetStore } from './dataset-store';
import { decodeRecord, decodeStep, encodeRecord } from './record-codec';
import type { DatasetRecord, ExcludedTake, StepResult } from './types';

/**
 * Datasets in Redis (the store's client, its key prefix applied):
 *   datasets:versions          hash   name -> last version given out
 *   datasets:by-created        zset   datasetId by createdAt (the list)
 *   datasets:unfinished        zset   datasetId by createdAt, while queued or building
 *   dataset:{id}               string the record (JSON)
 *   dataset:{id}:takes         list   the frozen selection, in build order
 *   dataset:{id}:excluded      string what the selection left out (JSON)
 *   dataset:{id}:steps         hash   position -> step result (JSON), each field written once (HSETNX)
 */
const VERSIONS = 'datasets:versions';
const BY_CREATED = 'datasets:by-created';
const UNFINISHED = 'datasets:unfinished';
const recordKey = (id: string) => `dataset:${id}`;
const takesKey = (id: string) => `dataset:${id}:takes`;
const excludedKey = (id: string) => `dataset:${id}:excluded`;
const stepsKey = (id: string) => `dataset:${id}:steps`;

/** Sets the record only if it is still what was read, and keeps the unfinished index in step with its state. */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) else redis.call('ZREM', KEYS[2], ARGV[5]) end
return 1`;

const isUnfinished = (r: DatasetRecord) => r.state === 'queued' || r.state === 'building';
/** Selection entries pushed per command. */
const PUSH_BATCH = 1000;

export class RedisDatasetStore implements DatasetStore {
  constructor(private readonly redis: Redis) {}

  async nextVersion(name: string): Promise<number> {
    return this.redis.hincrby(VERSIONS, name, 1);
  }

  async create(record: DatasetRecord, takes: readonly string[], excluded: readonly ExcludedTake[]): Promise<void> {
    const id = record.datasetId;
    const multi = this.redis.multi().del(takesKey(id), stepsKey(id));
    for (let i = 0; i < takes.length; i += PUSH_BATCH) multi.rpush(takesKey(id), ...takes.slice(i, i + PUSH_BATCH));
    multi.set(excludedKey(id), JSON.stringify(excluded)).set(recordKey(id), encodeRecord(record));
    multi.zadd(BY_CREATED, record.createdAt.getTime(), id);
    if (isUnfinished(record)) multi.zadd(UNFINISHED, record.createdAt.getTime(), id);
    await multi.exec();
  }

  async get(datasetId: string): Promise<DatasetRecord | null> {
    return decodeRecord(await this.redis.get(recordKey(datasetId)));
  }

  async list(): Promise<DatasetRecord[]> {
    const ids = await this.redis.zrevrange(BY_CREATED, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map(recordKey));
    return raws.map((raw) => decodeRecord(raw)).filter((r): r is DatasetRecord => r !== null);
  }

  async count(): Promise<number> {
    return this.redis.zcard(BY_CREATED);
  }

  async update<T>(datasetId: string, change: (current: DatasetRecord | null) => { next: DatasetRecord | null; result: T }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const raw = await this.redis.get(recordKey(datasetId));
      const { next, result } = change(decodeRecord(raw));
      if (!next || raw === null) return result;
      const written = { ...next, datasetId };
      const args = [raw, encodeRecord(written), isUnfinished(written) ? '1' : '0', String(written.createdAt.getTime()), datasetId];
      if ((await this.redis.eval(COMPARE_AND_SET, 2, recordKey(datasetId), UNFINISHED, ...args)) === 1) return result;
      // Another writer (a DELETE, the builder) got in between: read again.
      if (attempt >= 50) throw new Error(`dataset ${datasetId}: too many concurrent updates`);
    }
  }

  takes(datasetId: string, start: number, count: number): Promise<string[]> {
    if (count <= 0) return Promise.resolve([]);
    return this.redis.lrange(takesKey(datasetId), start, start + count - 1);
  }

  async excluded(datasetId: string): Promise<ExcludedTake[]> {
    const raw = await this.redis.get(excludedKey(datasetId));
    try {
      return raw ? (JSON.parse(raw) as ExcludedTake[]) : [];
    } catch {
      return [];
    }
  }

  async saveStep(datasetId: string, result: StepResult): Promise<StepResult> {
    const field = String(result.position);
    if ((await this.redis.hsetnx(stepsKey(datasetId), field, JSON.stringify(result))) === 1) return result;
    return decodeStep(await this.redis.hget(stepsKey(datasetId), field)) ?? result;
  }

  async steps(datasetId: string, start: number, count: number): Promise<StepResult[]> {
    if (count <= 0) return [];
    const fields = Array.from({ length: count }, (_, i) => String(start + i));
    const raws = await this.redis.hmget(stepsKey(datasetId), ...fields);
    const out: StepResult[] = [];
    for (const raw of raws) {
      const step = decodeStep(raw);
      if (!step) break;
      out.push(step);
    }
    return out;
  }

  unfinished(limit: number): Promise<string[]> {
    return this.redis.zrange(UNFINISHED, 0, limit - 1);
  }

  async remove(datasetId: string): Promise<void> {
    await this.redis
      .multi()
      .del(recordKey(datasetId), takesKey(datasetId), excludedKey(datasetId), stepsKey(datasetId))
      .zrem(BY_CREATED, datasetId)
      .zrem(UNFINISHED, datasetId)
      .exec();
  }
}

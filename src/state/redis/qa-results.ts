import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { DEFAULT_QA_RESULT_TTL_SECONDS, type QaResultStore, type StoreTtls } from '../types';
import { decodeJson } from './codec';

/**
 * qa:{sha256 of the ETag} -> JSON, with a TTL. ETags come from storage, not
 * from us: hashing gives every one a short key of safe characters.
 */
export const qaResultKey = (etag: string) => `qa:${createHash('sha256').update(etag).digest('hex')}`;

export class RedisQaResultStore implements QaResultStore {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    ttls: StoreTtls,
  ) {
    this.ttlSeconds = ttls.qaResultSeconds ?? DEFAULT_QA_RESULT_TTL_SECONDS;
  }

  async get(etag: string): Promise<unknown> {
    return decodeJson<unknown>((await this.redis.get(qaResultKey(etag))) ?? undefined) ?? null;
  }

  async save(etag: string, result: object): Promise<void> {
    await this.redis.set(qaResultKey(etag), JSON.stringify(result), 'EX', this.ttlSeconds);
  }
}

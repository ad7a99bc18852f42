import { DEFAULT_QA_RESULT_TTL_SECONDS, type QaResultStore, type StoreTtls } from '../types';
import { ExpiringMap } from './expiring-map';

/** QA results in this process, expiring like the Redis keys. Copied in and out so callers cannot mutate them. */
export class MemoryQaResultStore implements QaResultStore {
  private readonly results = new ExpiringMap<string, object>();
  private readonly ttlMs: number;

  constructor(ttls: StoreTtls) {
    this.ttlMs = (ttls.qaResultSeconds ?? DEFAULT_QA_RESULT_TTL_SECONDS) * 1000;
  }

  async get(etag: string): Promise<unknown> {
    const result = this.results.get(etag);
    return result ? structuredClone(result) : null;
  }

  async save(etag: string, result: object): Promise<void> {
    this.results.set(etag, structuredClone(result), this.ttlMs);
  }

  purgeExpired(): void {
    this.results.purgeExpired();
  }
}

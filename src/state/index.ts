import type { Logger } from 'pino';
import type { Config } from '../config';
import { MemoryStore } from './memory/memory-store';
import { RedisStore } from './redis/redis-store';
import type { Store } from './types';

export type * from './types';
export { MemoryStore, RedisStore };

/** Redis when REDIS_URL is configured, otherwise the in-process memory store. */
export function createStore(config: Config, logger: Logger): Store {
  const ttls = {
    ...config.ttl,
    qaResultSeconds: config.quality.cacheTtlSeconds,
    alarmHistorySeconds: config.alarms.historySeconds,
    webhookMaxAgeSeconds: Math.ceil(config.webhooks.maxAgeMs / 1000),
  };
  if (config.redis.url) {
    return new RedisStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, ttls, logger });
  }
  return new MemoryStore(ttls);
}

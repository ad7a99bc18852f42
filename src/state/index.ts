import type { Logger } from 'pino';
import type { Config } from '../config';
import { MemoryStore } from './memory/memory-store';
import { RedisStore } from './redis/redis-store';
import type { Store } from './types';
import { isRedisConfigured } from './redis/connection';

export type * from './types';
export { MemoryStore, RedisStore };

/** Redis when REDIS_URL or REDIS_SENTINELS is configured, otherwise the in-process memory store. */
export function createStore(config: Config, logger: Logger): Store {
  const ttls = {
    ...config.ttl,
    qaResultSeconds: config.quality.cacheTtlSeconds,
    timelineRetentionSeconds: config.timeline.retentionDays * 24 * 3600,
    timelineMaxEntries: config.timeline.maxEntries,
    commandsPerIssuer: config.limits.commandsPerTablet,
    auditMaxEntriesPerActor: config.timeline.auditMaxEntriesPerActor,
    alarmHistorySeconds: config.alarms.historySeconds,
    webhookMaxAgeSeconds: Math.ceil(config.webhooks.maxAgeMs / 1000),
  };
  if (isRedisConfigured(config.redis)) {
    const { url, sentinel, password, keyPrefix } = config.redis;
    return new RedisStore({ url, sentinel, password, keyPrefix, ttls, logger });
  }
  return new MemoryStore(ttls);
}

import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Store, StoreTtls } from '../types';
import { RedisDeviceStore } from './devices';
import { RedisLockStore } from './locks';
import { RedisSessionStore } from './sessions';
import { RedisUploadStore } from './uploads';
import { RedisLeaseStore } from './leases';
import { closeClient } from './close-client';
import { RedisQaResultStore } from './qa-results';
import { isConnectionFailure, unavailableBoundary } from './unavailable-boundary';

/** host:port of a Redis URL, without credentials, for messages a person reads. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  ttls: StoreTtls;
  logger: Logger;
  /** Extra ioredis options (Sentinel, TLS, timeouts). */
  redisOptions?: RedisOptions;
}

/**
 * The production store. Commands fail fast while Redis is away (one retry,
 * bounded timeout) so callers answer with an error instead of hanging, and
 * ioredis reconnects on its own when Redis returns. Every sub-store sits
 * behind unavailableBoundary: its callers see StoreUnavailableError, never ioredis.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly devices: RedisDeviceStore;
  readonly locks: RedisLockStore;
  readonly sessions: RedisSessionStore;
  readonly uploads: RedisUploadStore;
  readonly leases: RedisLeaseStore;
  readonly qaResults: RedisQaResultStore;
  readonly client: Redis;

  /** Said instead of the client's own text ("max retries per request"), in the log and /health. */
  readonly unreachable: string;

  constructor(options: RedisStoreOptions) {
    const log = options.logger.child({ component: 'redis-store' });
    this.unreachable = `cannot connect to Redis at ${redisAddress(options.url)}; check REDIS_URL`;
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      maxRetriesPerRequest: 1,
      commandTimeout: 5_000,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      // Commands issued in one tick leave in one write: without it every command of the telemetry
      // path was its own write syscall, the largest cost per update in a --cpu-prof of 2,000 headsets.
      enableAutoPipelining: true,
      ...options.redisOptions,
    });
    let down = false;
    // Without an error listener ioredis would raise unhandled 'error' events.
    this.client.on('error', (err: Error) => {
      if (!down) log.error({ err: err.message }, `${this.unreachable}; retrying`);
      down = true;
    });
    this.client.on('ready', () => {
      if (down) log.info('redis connection restored');
      down = false;
    });
    this.devices = unavailableBoundary(new RedisDeviceStore(this.client, options.ttls));
    this.locks = unavailableBoundary(new RedisLockStore(this.client, options.ttls));
    this.sessions = unavailableBoundary(new RedisSessionStore(this.client, options.ttls));
    this.uploads = unavailableBoundary(new RedisUploadStore(this.client, options.ttls));
    this.leases = unavailableBoundary(new RedisLeaseStore(this.client));
    this.qaResults = unavailableBoundary(new RedisQaResultStore(this.client, options.ttls));
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (err) {
      if (isConnectionFailure(err)) throw new Error(this.unreachable, { cause: err });
      throw err;
    }
  }

  async close(): Promise<void> {
    await closeClient(this.client);
  }
}

import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import {
  DEFAULT_ALARM_HISTORY_SECONDS,
  DEFAULT_WEBHOOK_MAX_AGE_SECONDS,
  type FeatureStoreImplementations,
  type Store,
  type StoreTtls,
} from '../types';
import { RedisAlarmStore } from './alarms';
import { RedisWebhookStore } from './webhooks';
import { RedisNoticeWindowStore } from './notices';
import { RedisDeviceStore } from './devices';
import { RedisLockStore } from './locks';
import { RedisSessionStore } from './sessions';
import { RedisUploadStore } from './uploads';
import { RedisLeaseStore } from './leases';
import { closeClient } from './close-client';
import { RedisQaResultStore } from './qa-results';
import { RedisCommandStore } from './commands';
import { RedisTimelineStore } from './timeline';
import { RedisRecordingStore } from './recordings';
import { isConnectionFailure, unavailableBoundary } from './unavailable-boundary';
import { createRedisClient, describeRedis, redisVariables, type RedisConnectionConfig } from './connection';

/** Where Redis is (a URL, or Sentinel) and how the store uses it. */
export interface RedisStoreOptions extends RedisConnectionConfig {
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
  readonly commands: RedisCommandStore;
  readonly timeline: RedisTimelineStore;
  readonly alarms: RedisAlarmStore;
  readonly webhooks: RedisWebhookStore;
  readonly notices: RedisNoticeWindowStore;
  readonly recordings: RedisRecordingStore;
  readonly client: Redis;

  /** Said instead of the client's own text ("max retries per request"), in the log and /health. */
  readonly unreachable: string;

  private readonly reconnectListeners = new Set<() => void>();
  private readonly ttls: StoreTtls;

  constructor(options: RedisStoreOptions) {
    this.ttls = options.ttls;
    const log = options.logger.child({ component: 'redis-store' });
    this.unreachable = `cannot connect to ${describeRedis(options)}; check ${redisVariables(options)}`;
    this.client = createRedisClient(options, {
      keyPrefix: options.keyPrefix,
      maxRetriesPerRequest: 1,
      commandTimeout: 5_000,
      connectTimeout: 5_000,
      // Not auto-pipelined, though a --cpu-prof of 2,000 headsets shows a write syscall per command as
      // the largest cost per update: with it, commands queued across an outage or a failover never
      // settled (test/hardening/redis-outage.test.ts and the recordings restart test time out).
      enableAutoPipelining: false,
      ...options.redisOptions,
    });
    let down = false;
    let connectedOnce = false;
    // Without an error listener ioredis would raise unhandled 'error' events.
    this.client.on('error', (err: Error) => {
      if (!down) log.error({ err: err.message }, `${this.unreachable}; retrying`);
      down = true;
    });
    // Every reconnection, not only after an error: a failover announced by Sentinel
    // (failoverDetector) or a READONLY answer closes the connection without one.
    this.client.on('ready', () => {
      if (down) log.info('redis connection restored');
      down = false;
      if (connectedOnce) for (const listener of this.reconnectListeners) listener();
      connectedOnce = true;
    });
    this.devices = unavailableBoundary(new RedisDeviceStore(this.client, options.ttls));
    this.locks = unavailableBoundary(new RedisLockStore(this.client, options.ttls));
    this.sessions = unavailableBoundary(new RedisSessionStore(this.client, options.ttls));
    this.uploads = unavailableBoundary(new RedisUploadStore(this.client, options.ttls));
    this.leases = unavailableBoundary(new RedisLeaseStore(this.client));
    this.qaResults = unavailableBoundary(new RedisQaResultStore(this.client, options.ttls));
    this.commands = unavailableBoundary(new RedisCommandStore(this.client, options.ttls));
    this.timeline = unavailableBoundary(new RedisTimelineStore(this.client, options.ttls));
    this.alarms = unavailableBoundary(new RedisAlarmStore(this.client, options.ttls.alarmHistorySeconds ?? DEFAULT_ALARM_HISTORY_SECONDS));
    this.webhooks = unavailableBoundary(
      new RedisWebhookStore(this.client, options.ttls.webhookMaxAgeSeconds ?? DEFAULT_WEBHOOK_MAX_AGE_SECONDS),
    );
    this.recordings = unavailableBoundary(new RedisRecordingStore(this.client));
    this.notices = unavailableBoundary(new RedisNoticeWindowStore(this.client));
  }

  /**
   * Called each time the connection is ready again after having been ready
   * once: Redis restarted, or Sentinel moved the primary. Writes the old primary
   * had not replicated yet may be gone, so whoever holds state for open
   * connections checks it then (realtime/store-recovery.ts).
   */
  onReconnected(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  extend<T extends object>(implementations: FeatureStoreImplementations<T>): T {
    return unavailableBoundary(implementations.redis({ client: this.client, ttls: this.ttls }));
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

import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { closeClient } from '../state/redis/close-client';
import { createRedisClient, type RedisConnectionConfig } from '../state/redis/connection';

const SUBSCRIPTION_COMMANDS = ['ssubscribe', 'sunsubscribe', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe'] as const;

/**
 * The adapter calls (s)subscribe without handling the returned promise, so a
 * subscription pending when the connection closes (shutdown, Redis restart)
 * would reject unhandled. Each such promise gets a handler that logs; ioredis
 * resubscribes on reconnect by itself.
 */
function handleFloatingSubscriptions(client: Redis, log: Logger): void {
  for (const name of SUBSCRIPTION_COMMANDS) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const pending = original(...args);
      pending.catch((err: Error) => log.debug({ err: err.message, command: name }, 'subscription command failed'));
      return pending;
    };
  }
}

export interface ClusterAdapterOptions {
  /** Where Redis is: the same place as the store's (a URL, or Sentinel). */
  connection: RedisConnectionConfig;
  keyPrefix: string;
  /** 'sharded' (Redis 7 sharded pub/sub, one channel per room) or 'classic' (Redis 6). */
  mode: 'sharded' | 'classic';
  logger: Logger;
}

export interface ClusterAdapter {
  adapter: ReturnType<typeof createShardedAdapter>;
  close(): Promise<void>;
}

/**
 * The Socket.IO Redis adapter, so a broadcast to a room reaches its members on
 * every process. The sharded adapter in dynamic mode gives each room its own
 * channel, so a process only receives the frames of headsets it has viewers for.
 *
 * The adapter publishes before it delivers locally, so the publisher must fail
 * fast while Redis is away (no offline queue): local clients keep getting their
 * broadcasts, and nothing queues without bound. ioredis resubscribes on its own
 * when Redis returns.
 */
export function createClusterAdapter(options: ClusterAdapterOptions): ClusterAdapter {
  const log = options.logger.child({ component: 'socket-adapter' });
  // A broadcast per telemetry update: the publishes of one tick leave in one write, not one syscall each.
  const pub = createRedisClient(options.connection, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  // No ready check: ioredis would send INFO on a connection already in (sharded) subscriber mode.
  // With Sentinel that also skips ioredis's role check, which the subscriber can do without: the
  // sentinels name the primary, and Sentinel disconnects the clients of a primary it demotes.
  const sub = createRedisClient(options.connection, { enableReadyCheck: false });
  handleFloatingSubscriptions(sub, log);
  for (const [name, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    let down = false;
    client.on('error', (err: Error) => {
      if (!down) log.error({ err: err.message, client: name }, 'socket adapter lost Redis; retrying');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ client: name }, 'socket adapter reconnected to Redis');
      down = false;
    });
  }
  const channel = `${options.keyPrefix}socket.io`;
  const adapter =
    options.mode === 'sharded'
      ? createShardedAdapter(pub, sub, { channelPrefix: channel, subscriptionMode: 'dynamic' })
      : (createAdapter(pub, sub, { key: channel }) as unknown as ReturnType<typeof createShardedAdapter>);
  return {
    adapter,
    async close() {
      await Promise.all([closeClient(pub), closeClient(sub)]);
    },
  };
}

import Redis, { type RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from '../../config';

export type { RedisConnectionConfig };

export const isRedisConfigured = (c: RedisConnectionConfig): boolean => c.url !== undefined || c.sentinel !== undefined;

/** Where Redis is, for messages a person reads: never a password. */
export function describeRedis(c: RedisConnectionConfig): string {
  if (c.sentinel) {
    const list = c.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    return `Redis primary '${c.sentinel.name}' via sentinels ${list}`;
  }
  if (!c.url) return 'Redis (not configured)';
  try {
    const parsed = new URL(c.url);
    return `Redis at ${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'Redis at the configured address';
  }
}

/** The variables to check when Redis cannot be reached. */
export const redisVariables = (c: RedisConnectionConfig): string =>
  c.sentinel ? 'REDIS_SENTINELS, REDIS_SENTINEL_NAME and the passwords' : 'REDIS_URL';

/**
 * After a failover the old primary may come back as a replica, and a connection
 * still open to it answers writes with READONLY. Reconnecting asks Sentinel
 * again (or, with REDIS_URL, resolves a name that a managed service moves to the
 * new primary) and reaches the new primary. 1, not 2: the command fails (the
 * caller sees StoreUnavailableError and may try again) rather than being resent,
 * since resending to a server that is still a replica would loop.
 */
export const reconnectOnReadOnly = (err: Error): 1 | false => (/\bREADONLY\b/.test(err.message) ? 1 : false);

const reconnectDelay = (attempt: number) => Math.min(attempt * 200, 2_000);

/** Clients being closed on purpose (close-client.ts), which must stay closed. */
const closing = new WeakSet<Redis>();
export const markClosing = (client: Redis): void => void closing.add(client);

/**
 * The one place that turns configuration into an ioredis client, for the store,
 * the Socket.IO adapter and the version probe alike: each passes only what its
 * use needs (offline queue, ready check, key prefix).
 *
 * With Sentinel, ioredis asks the sentinels for the primary on every
 * (re)connection and checks the node's role, so a reconnection after the
 * primary dies lands on the promoted replica once Sentinel has promoted it.
 * A primary demoted while it stays up (SENTINEL FAILOVER, a healed partition)
 * has its clients disconnected by Sentinel itself (CLIENT KILL as it
 * reconfigures it), and a connection that still reaches it gets READONLY and
 * reconnects (reconnectOnReadOnly).
 *
 * ioredis's `failoverDetector` (a subscription to the sentinels' +switch-master)
 * stays off: in ioredis 5, a +switch-master arriving while the client is still
 * looking for the primary after a crash ends the client for good (the
 * connector's loop throws "Connection is closed" and ioredis gives up), which
 * the failover test in test/hardening/redis-sentinel.test.ts hit about one run
 * in two. As a second guard, a long-lived client that ends without being closed
 * here starts connecting again.
 *
 * Auto-pipelining stays off: it would batch unrelated callers' commands, so one
 * failover error would fail all of them together, and the hot paths already
 * pipeline what belongs together.
 */
export function createRedisClient(c: RedisConnectionConfig, options: RedisOptions = {}, { reviveAfterEnd = true } = {}): Redis {
  const client = newClient(c, options);
  if (reviveAfterEnd) {
    client.on('end', () => {
      if (closing.has(client)) return;
      const timer = setTimeout(() => {
        if (!closing.has(client) && client.status === 'end') client.connect().catch(() => undefined);
      }, 1_000);
      timer.unref();
    });
  }
  return client;
}

function newClient(c: RedisConnectionConfig, options: RedisOptions): Redis {
  const common: RedisOptions = {
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadOnly,
    enableAutoPipelining: false,
    ...options,
  };
  if (c.sentinel) {
    return new Redis({
      sentinels: c.sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: c.sentinel.name,
      sentinelPassword: c.sentinel.password,
      password: c.password,
      role: 'master',
      failoverDetector: false,
      // Asking the sentinels again quickly while they elect a new primary; ioredis waits this long between rounds.
      sentinelRetryStrategy: reconnectDelay,
      ...common,
    });
  }
  if (!c.url) throw new Error('Redis is not configured (REDIS_URL or REDIS_SENTINELS)');
  // ioredis lets the URL's own password win over this one.
  return new Redis(c.url, { ...(c.password ? { password: c.password } : {}), ...common });
}

import type { Logger } from 'pino';
import type { Config } from '../config';
import { closeClient } from '../state/redis/close-client';
import { createRedisClient, isRedisConfigured, type RedisConnectionConfig } from '../state/redis/connection';

/** Sharded pub/sub (SPUBLISH/SSUBSCRIBE), which the sharded Socket.IO adapter uses, arrived in Redis 7.0. */
const SHARDED_PUBSUB_MAJOR = 7;

export type AdapterMode = Config['redis']['adapter'];

export interface AdapterDecision {
  mode: AdapterMode;
  /** Set when the configured adapter cannot be used as is: logged as a warning at start. */
  warning?: string;
}

/** The `redis_version` of an INFO server answer, or undefined when it has none. */
export function parseRedisVersion(info: string): string | undefined {
  return /^redis_version:([^\r\n]+)/m.exec(info)?.[1]?.trim();
}

/**
 * The adapter to run with the Redis found at start. Sharded asked of a Redis
 * older than 7 falls back to the classic adapter (every process receives every
 * broadcast, which is correct, only busier) rather than failing at the first
 * broadcast; an unknown version keeps what was configured.
 */
export function chooseAdapter(configured: AdapterMode, version: string | undefined): AdapterDecision {
  if (configured === 'classic') return { mode: 'classic' };
  if (version === undefined) {
    return {
      mode: configured,
      warning:
        'could not read the Redis version at start; using the sharded Socket.IO adapter, which needs Redis 7. ' +
        'With Redis 6, set REDIS_ADAPTER=classic.',
    };
  }
  const major = Number.parseInt(version, 10);
  if (Number.isFinite(major) && major >= SHARDED_PUBSUB_MAJOR) return { mode: 'sharded' };
  return {
    mode: 'classic',
    warning:
      `Redis ${version} has no sharded pub/sub (Redis 7 does); using the classic Socket.IO adapter instead, ` +
      'so every process receives every broadcast. Upgrade Redis to 7 (docs/SETUP.md), or set REDIS_ADAPTER=classic to silence this.',
  };
}

/** Asks the server for its version with a short-lived connection; undefined if it cannot be reached. */
export async function readRedisVersion(connection: RedisConnectionConfig, timeoutMs = 3_000): Promise<string | undefined> {
  return (await probeRedis(connection, timeoutMs)).version;
}

/** Where the configured Redis is, as a person reads it: host:port of REDIS_URL, or the Sentinel primary's name. */
function redisWhere(connection: RedisConnectionConfig): string {
  if (connection.sentinel) return `the Sentinel primary "${connection.sentinel.name}"`;
  try {
    const url = new URL(connection.url ?? '');
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return 'REDIS_URL';
  }
}

/**
 * The server's version, or what kept it from answering, said so a person can act on it:
 * "connection refused at host:port; check REDIS_URL".
 */
export async function probeRedis(connection: RedisConnectionConfig, timeoutMs = 3_000): Promise<{ version?: string; problem?: string }> {
  // One question, asked once: the sentinels asked once each, and no reconnecting.
  const client = createRedisClient(
    connection,
    {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      sentinelRetryStrategy: () => null,
      reconnectOnError: null,
    },
    { reviveAfterEnd: false },
  );
  // The connection's own error (ECONNREFUSED...) comes here; connect() then rejects with "Connection is closed."
  let seen: Error | undefined;
  client.on('error', (err: Error) => (seen ??= err));
  const where = redisWhere(connection);
  const fix = connection.sentinel ? 'check REDIS_SENTINELS and REDIS_SENTINEL_NAME' : 'check REDIS_URL';
  // Bounded as a whole: a server that accepts and never answers must not hold the start.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ problem: string }>((resolve) => {
    timer = setTimeout(() => resolve({ problem: `no answer from ${where} within ${timeoutMs} ms; ${fix}` }), timeoutMs);
  });
  try {
    const ask = async () => {
      await client.connect();
      return { version: parseRedisVersion(await client.info('server')) };
    };
    return await Promise.race([ask(), timeout]);
  } catch (err) {
    const cause = (seen ?? err) as NodeJS.ErrnoException;
    const what = cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code === 'ENOTFOUND' ? 'host not found' : cause.message;
    return { problem: `${what} at ${where}; ${fix}` };
  } finally {
    clearTimeout(timer);
    await closeClient(client, 500);
  }
}

/**
 * The configuration with the Socket.IO adapter the configured Redis can
 * carry (unchanged without Redis); the entry point calls this before building
 * the server, and logs why when it changes the adapter.
 */
export async function withSupportedAdapter(config: Config, logger: Logger): Promise<Config> {
  if (!isRedisConfigured(config.redis) || config.redis.adapter === 'classic') return config;
  const { version, problem } = await probeRedis(config.redis);
  if (problem) {
    // Not a version question: the store will say the same as it retries. No adapter advice here.
    logger.warn({ adapter: config.redis.adapter }, `Redis unreachable: ${problem}`);
    return config;
  }
  const decision = chooseAdapter(config.redis.adapter, version);
  if (decision.warning) logger.warn({ redisVersion: version ?? 'unknown', adapter: decision.mode }, decision.warning);
  if (decision.mode === config.redis.adapter) return config;
  return Object.freeze({ ...config, redis: Object.freeze({ ...config.redis, adapter: decision.mode }) });
}

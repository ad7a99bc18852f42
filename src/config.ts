import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { StoreTtls } from './state/types';
import type { S3StorageOptions } from './storage/s3-storage';
import type { RequestTimeouts } from './hardening/request-timeouts';
import type { RedisConnectionConfig } from './state/redis/connection';

/**
 * Environment -> one typed, frozen Config. This is the only module that knows
 * variable names; everything else receives a Config. Defaults are the embedded
 * ones: no Redis, local storage, generated development secrets.
 */

const GiB = 1024 * 1024 * 1024;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ message: 'expected a number' })
    .int({ message: 'expected a whole number' })
    .min(min, { message: `expected at least ${min}` })
    .max(max, { message: `expected at most ${max}` });

const decimal = (min: number, max: number) =>
  z.coerce
    .number({ message: 'expected a number' })
    .min(min, { message: `expected at least ${min}` })
    .max(max, { message: `expected at most ${max}` });

/** An optional number where an empty variable counts as unset (z.coerce would read it as 0). */
const optionalDecimal = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), decimal(min, max).optional());

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** host:port[,host:port...]; a host is a name, an IPv4 address or a bracketed IPv6 address. */
const SENTINEL_ENTRY = String.raw`(?:[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}`;
const SENTINEL_LIST = new RegExp(String.raw`^\s*${SENTINEL_ENTRY}(?:\s*,\s*${SENTINEL_ENTRY})*\s*$`);

function parseSentinels(raw: string): Array<{ host: string; port: number }> {
  return raw.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    const host = trimmed.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return { host, port: Number(trimmed.slice(colon + 1)) };
  });
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3200),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  TRUST_PROXY: z.string().default('loopback'),

  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, { message: 'expected a redis:// or rediss:// URL' })
      .optional(),
  ),
  // Redis Sentinel instead of REDIS_URL: sentinels as host:port,host:port and the primary's name in them.
  REDIS_SENTINELS: optionalString.pipe(
    z
      .string()
      .regex(SENTINEL_LIST, { message: 'expected host:port pairs separated by commas, e.g. 10.0.0.1:26379,10.0.0.2:26379' })
      .optional(),
  ),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: "expected the primary's name in sentinel.conf (up to 64 of a-z A-Z 0-9 . _ -)" })
    .default('mymaster'),
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_ADAPTER: z.enum(['sharded', 'classic']).default('sharded'),
  ORPHAN_SWEEP_INTERVAL_MS: int(100).default(5_000),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_:.-]{0,64}$/, { message: 'expected up to 64 of a-z A-Z 0-9 _ : . -' })
    .default(''),

  DATA_DIR: z.string().min(1).default('./data'),
  S3_BUCKET_NAME: optionalString,
  S3_ENDPOINT: optionalString.pipe(z.url({ message: 'expected a URL' }).optional()),
  S3_FORCE_PATH_STYLE: bool.default(false),
  AWS_REGION: z.string().min(1).default('eu-west-1'),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,

  JWT_SECRET: optionalString.pipe(z.string().min(32, { message: 'expected at least 32 characters' }).optional()),
  ADMIN_API_KEY: optionalString.pipe(z.string().min(24, { message: 'expected at least 24 characters' }).optional()),
  AUTH_REQUIRED: bool.default(true),
  METRICS_TOKEN: optionalString,
  DEVICE_TOKEN_EXPIRY: z
    .string()
    .regex(/^\d+[smhd]$/, { message: 'expected a duration like 24h' })
    .default('24h'),

  SOCKET_EVENTS_PER_SECOND: int(1, 10_000).default(20),
  SOCKET_EVENT_BURST: int(1, 10_000).default(40),
  TOKEN_REQUESTS_PER_MINUTE: int(1, 100_000).default(20),
  MAX_CONNECTIONS_PER_IP: int(1, 1_000_000).default(200),
  MAX_WATCHES_PER_SOCKET: int(1, 100_000).default(256),
  SESSIONS_PER_TABLET: int(1, 1_000_000).default(1000),
  SOCKET_CONNECT_TIMEOUT_MS: int(100, 45_000).default(10_000),
  // '*' allows every origin; a comma-separated list allows those; empty allows none. Default by NODE_ENV.
  CORS_ORIGINS: z.string().optional(),

  // The spec's constants, overridable for tests and for labs with other needs.
  MAX_UPLOAD_BYTES: int(1, 5 * 1024 * GiB).default(100 * GiB),
  MAX_FRAME_BYTES: int(1024, 16 * 1024 * 1024).default(1024 * 1024),
  FRAME_BATCH_INTERVAL_MS: int(1, 10_000).default(33),
  FRAME_THROTTLE_MS: int(0, 10_000).default(16),
  MAX_FRAME_BATCH_SIZE: int(1, 1000).default(5),
  // Dashboards on the batched subscription get one on-fleet-telemetry-batch this often.
  TELEMETRY_BATCH_MS: int(50, 60_000).default(500),
  SESSION_CLEANUP_INTERVAL_MS: int(100).default(60 * 60 * 1000),
  SESSION_EXPIRY_MS: int(100).default(24 * 60 * 60 * 1000),
  OFFLINE_DEVICE_EXPIRY_MS: int(100).default(7 * 24 * 60 * 60 * 1000),
  DEVICE_STATE_TTL_SECONDS: int(1).default(24 * 3600),
  LOCK_TTL_SECONDS: int(1).default(7200),
  SESSION_TTL_SECONDS: int(1).default(7 * 24 * 3600),
  TELEMETRY_TTL_SECONDS: int(1).default(300),
  UPLOAD_TTL_SECONDS: int(1).default(7 * 24 * 3600),
  LOCK_GRACE_MS: int(0).default(60_000),
  DEVICE_STALE_MS: int(100).default(30_000),
  RECORDING_ACK_TIMEOUT_MS: int(100).default(5_000),
  // The device timelines and the audit log (docs/AUDIT.md); false records nothing (a benchmark's baseline).
  TIMELINE_ENABLED: bool.default(true),
  TIMELINE_RETENTION_DAYS: int(1, 3650).default(30),
  TIMELINE_MAX_ENTRIES: int(100, 10_000_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
  // How long a client has for its request headers, a control request's body, and a recording upload in all.
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(15_000),
  HTTP_CONTROL_TIMEOUT_MS: int(100, 600_000).default(15_000),
  HTTP_UPLOAD_TIMEOUT_MS: int(1000, 24 * 3600 * 1000).default(300_000),

  // Uploads. 6 h of part-URL life covers 20 GB at 5 MB/s (about 67 min) with a wide margin; SigV4 caps it at 7 days.
  UPLOAD_URL_EXPIRY_SECONDS: int(60, 7 * 24 * 3600).default(6 * 3600),
  UPLOAD_EXPIRY_HOURS: int(1, 24 * 30).default(24),
  UPLOAD_SWEEP_INTERVAL_MS: int(1000).default(15 * 60 * 1000),
  // Part URLs in one start answer; a bigger file's client signs the rest with sign-parts (at most 1000 a call).
  UPLOAD_URLS_PER_ANSWER: int(1, 10_000).default(1000),
  PUBLIC_BASE_URL: optionalString.pipe(z.url({ message: 'expected a URL' }).optional()),
  // Quality (QA) metrics and storage statistics.
  QA_LOW_CONFIDENCE: decimal(0, 1).default(0.5),
  QA_CONCURRENCY: int(1, 64).default(4),
  QA_MAX_NPZ_BYTES: int(1024).default(512 * 1024 * 1024),
  // Decoded bytes all NPZ analyses under way may hold together, and the largest inflation ratio of a large entry.
  QA_MEMORY_BUDGET_BYTES: int(1024 * 1024).default(1024 * 1024 * 1024),
  QA_MAX_COMPRESSION_RATIO: int(2, 10_000).default(50),
  QA_CACHE_TTL_SECONDS: int(1).default(30 * 24 * 3600),

  // Recordings: the integrity gate's thresholds and the jobs around it (docs/RECORDINGS.md).
  QA_PASS_SCORE: decimal(0, 100).default(80),
  RECORDING_FRAME_TOLERANCE_PERCENT: decimal(0, 100).default(1),
  RECORDING_DURATION_TOLERANCE_SECONDS: decimal(0, 3600).default(1),
  MIN_FPS_RATIO: decimal(0, 1).default(0.9),
  RECORDING_UPLOAD_DEADLINE: z
    .string()
    .regex(/^\d+[smhd]$/, { message: 'expected a duration like 30m' })
    .default('30m'),
  RECORDING_VERIFY_CONCURRENCY: int(1, 32).default(2),
  DISCARD_RETENTION_DAYS: decimal(0, 3650).default(30),
  RECORDING_SWEEP_INTERVAL_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  S3_STATS_CACHE_SECONDS: int(0).default(300),
  // How often one process of the cluster recomputes the QA and storage gauges for Prometheus.
  STATS_REFRESH_INTERVAL_MS: int(1000, 24 * 3600 * 1000).default(5 * 60 * 1000),
  S3_PRICE_STANDARD_GB_MONTH: optionalDecimal(0, 1000),
  S3_PRICE_INTELLIGENT_TIERING_GB_MONTH: optionalDecimal(0, 1000),
  S3_PRICE_DEEP_ARCHIVE_GB_MONTH: optionalDecimal(0, 1000),

  // Alarms (docs/ALARMS.md): each raises at one value and clears at another, so a value at the edge does not flap.
  // false: this process evaluates no alarm rules (nothing raised or cleared; stored alarms are still
  // listed and acknowledged). The baseline of npm run bench:alarms; every process of a cluster should agree.
  ALARMS_ENABLED: bool.default(true),
  ALARM_BATTERY_LOW_PERCENT: decimal(0, 100).default(20),
  ALARM_BATTERY_LOW_CLEAR_PERCENT: decimal(0, 100).default(25),
  ALARM_BATTERY_CRITICAL_PERCENT: decimal(0, 100).default(10),
  ALARM_BATTERY_CRITICAL_CLEAR_PERCENT: decimal(0, 100).default(15),
  ALARM_STORAGE_LOW_MINUTES: decimal(0, 10_000).default(10),
  ALARM_STORAGE_CLEAR_MINUTES: decimal(0, 10_000).default(15),
  ALARM_STORAGE_FALLBACK_GB: decimal(0, 100_000).default(2),
  ALARM_TEMPERATURE_C: decimal(-50, 150).default(45),
  ALARM_TEMPERATURE_CLEAR_C: decimal(-50, 150).default(42),
  ALARM_TRACKING_LOST_MS: int(0, 3_600_000).default(3_000),
  ALARM_UPLOAD_STALLED_MS: int(1_000, 7 * 24 * 3600 * 1000).default(5 * 60 * 1000),
  ALARM_UPLOAD_CHECK_INTERVAL_MS: int(100, 3_600_000).default(30_000),
  ALARM_CHECK_INTERVAL_MS: int(20, 60_000).default(1_000),
  ALARM_RENOTIFY_MINUTES: decimal(0.001, 7 * 24 * 60).default(10),
  ALARM_HISTORY_DAYS: decimal(0.00001, 3650).default(14),

  // Webhooks (docs/ALARMS.md): comma-separated http(s) URLs, signed with WEBHOOK_SECRET.
  WEBHOOK_URLS: z.string().default(''),
  WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, { message: 'expected at least 16 characters' }).optional()),
  WEBHOOK_MAX_AGE_HOURS: decimal(0.0001, 24 * 30).default(24),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WEBHOOK_MAX_PENDING: int(1, 1_000_000).default(10_000),
  WEBHOOK_CONCURRENCY: int(1, 64).default(4),
  WEBHOOK_POLL_INTERVAL_MS: int(50, 60_000).default(1_000),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  env: 'development' | 'production' | 'test';
  version: string;
  server: { port: number; host: string; trustProxy: string; shutdownTimeoutMs: number; timeouts: RequestTimeouts };
  log: { level: string; pretty: boolean };
  /** Where Redis is (REDIS_URL, or Sentinel); neither set: the in-memory store and one process. */
  redis: RedisConnectionConfig & {
    keyPrefix: string;
    /** Socket.IO adapter: 'sharded' needs Redis 7; 'classic' works with Redis 6. */
    adapter: 'sharded' | 'classic';
  };
  storage: {
    dataDir: string;
    /** Set when S3_BUCKET_NAME is: handed to the S3 driver as it is. */
    s3?: S3StorageOptions;
  };
  auth: {
    jwtSecret: string;
    adminApiKey: string;
    required: boolean;
    metricsToken?: string;
    deviceTokenExpiry: string;
    tokenRequestsPerMinute: number;
    /** Browser origins allowed by CORS: '*' for any, otherwise an exact list (empty: none). */
    corsOrigins: '*' | string[];
  };
  limits: {
    maxUploadBytes: number;
    maxFrameBytes: number;
    frameBatchIntervalMs: number;
    frameThrottleMs: number;
    maxFrameBatchSize: number;
    /** How often dashboards on the batched subscription get the latest telemetry of every device that changed. */
    telemetryBatchMs: number;
    socketEventsPerSecond: number;
    socketEventBurst: number;
    /** Socket.IO connections one client address may hold at once (per process). */
    maxConnectionsPerIp: number;
    /** Headsets one Socket.IO connection may view (watch or connect to) at once. */
    maxWatchesPerSocket: number;
    /** Sessions one tablet may have in the store at once. */
    sessionsPerTablet: number;
    /**
     * How long an Engine.IO connection may stay without joining a namespace (Socket.IO's
     * connectTimeout). Until then it counts toward maxConnectionsPerIp.
     */
    socketConnectTimeoutMs: number;
  };
  /** The store's TTLs; the QA cache's TTL is configured with the rest of quality, below. */
  ttl: Omit<StoreTtls, 'qaResultSeconds'>;
  uploads: {
    /** Lifetime of presigned part URLs. */
    partUrlExpirySeconds: number;
    /** Multipart uploads older than this are aborted by the sweep. */
    expiryHours: number;
    sweepIntervalMs: number;
    /** Presigned part URLs in a start answer; the client signs later parts with sign-parts. */
    urlsPerAnswer: number;
    /** Where clients reach this server (local part URLs); unset: taken from each request. */
    publicBaseUrl?: string;
  };
  quality: {
    /** Frames whose mean of left and right confidence is below this are low-confidence frames. */
    lowConfidence: number;
    /** NPZ files read at once. */
    concurrency: number;
    /** Largest NPZ read, and the most bytes its decoded arrays may take. */
    maxNpzBytes: number;
    /** Decoded bytes shared by every analysis under way (one budget per process). */
    memoryBudgetBytes: number;
    /** Largest uncompressed/compressed ratio of an NPZ entry of 1 MiB or more. */
    maxCompressionRatio: number;
    /** How long a file's QA result stays cached under its ETag. */
    cacheTtlSeconds: number;
  };
  recordings: {
    /** The least QA overall score a passing recording has. */
    qaPassScore: number;
    /** How far the video's frame count may be from the tracking data's, in percent of the latter. */
    frameTolerancePercent: number;
    durationToleranceSeconds: number;
    /** Effective video frame rate must be at least this share of its nominal rate. */
    minFpsRatio: number;
    /** A file not arrived this long after recording stopped makes the recording incomplete. */
    uploadDeadlineMs: number;
    /** Recordings verified at once by one process. */
    verifyConcurrency: number;
    /** Discarded recordings' objects are deleted this long after the discard. */
    discardRetentionMs: number;
    /** How often one process of the cluster resumes verifications, marks late recordings and deletes old discards. */
    sweepIntervalMs: number;
  };
  storageStats: {
    cacheSeconds: number;
    /** How often the QA and storage gauges are recomputed on the server (one process of the cluster). */
    refreshIntervalMs: number;
    /** Region whose published prices are the defaults. */
    region: string;
    /** USD per GB-month overrides; unset ones come from the region's published rates. */
    prices: { standard?: number; intelligentTiering?: number; deepArchive?: number };
  };
  timeline: {
    enabled: boolean;
    /** Timeline entries and command records are kept this long. */
    retentionDays: number;
    /** Entries each stream (a device's timeline, the audit log) keeps at most. */
    maxEntries: number;
  };
  alarms: AlarmConfig;
  webhooks: {
    /** Receivers; none: webhooks are off. */
    urls: string[];
    secret?: string;
    maxAgeMs: number;
    timeoutMs: number;
    maxPending: number;
    concurrency: number;
    pollIntervalMs: number;
  };
  timing: {
    sessionCleanupIntervalMs: number;
    sessionExpiryMs: number;
    offlineDeviceExpiryMs: number;
    lockGraceMs: number;
    deviceStaleMs: number;
    recordingAckTimeoutMs: number;
    /** How often one process looks for devices and tablets left behind by a dead process. */
    orphanSweepIntervalMs: number;
  };
}

/** Alarm thresholds (raise / clear pairs) and timers. Percentages are 0-100. */
export interface AlarmConfig {
  /** ALARMS_ENABLED: off, no rule is evaluated and nothing raised or cleared (routes and sockets answer what is stored). */
  enabled: boolean;
  batteryLowPercent: number;
  batteryLowClearPercent: number;
  batteryCriticalPercent: number;
  batteryCriticalClearPercent: number;
  storageLowMinutes: number;
  storageClearMinutes: number;
  /** Free bytes below which storage is low while the headset's write rate is unknown (clears at 1.5 times this). */
  storageFallbackBytes: number;
  temperatureC: number;
  temperatureClearC: number;
  trackingLostMs: number;
  uploadStalledMs: number;
  uploadCheckIntervalMs: number;
  /** How often timers (tracking lost, re-notify) are looked at. */
  checkIntervalMs: number;
  renotifyMs: number;
  historySeconds: number;
}

/** '30m' -> 1800000: a number with s, m, h or d (the schema checked the form). */
function durationMs(text: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(text.slice(0, -1)) * unit;
}

export interface LoadedConfig {
  config: Config;
  /** Secrets that were generated because none were configured (development only). */
  generatedSecrets: Array<{ name: string; value: string }>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const GENERATE_HINT =
  'Generate them with:\n' + '    JWT_SECRET=$(openssl rand -base64 48)\n' + '    ADMIN_API_KEY=$(openssl rand -base64 32)';

export function loadConfig(rawEnv: Env, version = '0.0.0'): LoadedConfig {
  const parsed = envSchema.safeParse(rawEnv);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = rawEnv[name];
        const shown = value === undefined || isSecretName(name) ? '' : ` (got ${JSON.stringify(value)})`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  if (production) {
    const missing = (['JWT_SECRET', 'ADMIN_API_KEY'] as const).filter((k) => !e[k]);
    if (missing.length > 0) {
      throw new ConfigError([`${missing.join(' and ')} must be set when NODE_ENV=production. ${GENERATE_HINT}`]);
    }
    if (!e.AUTH_REQUIRED) {
      throw new ConfigError(['AUTH_REQUIRED=false is for development only and is refused when NODE_ENV=production']);
    }
  }
  if (e.REDIS_URL && e.REDIS_SENTINELS) {
    throw new ConfigError([
      'REDIS_URL and REDIS_SENTINELS are both set: set REDIS_URL for one Redis server, or REDIS_SENTINELS for Sentinel',
    ]);
  }
  const sentinels = e.REDIS_SENTINELS ? parseSentinels(e.REDIS_SENTINELS) : undefined;
  const badPort = sentinels?.find((s) => s.port < 1 || s.port > 65535);
  if (badPort) throw new ConfigError([`REDIS_SENTINELS: port ${badPort.port} of ${badPort.host} is not between 1 and 65535`]);
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError(['AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together']);
  }

  const webhookUrls = parseWebhookUrls(e.WEBHOOK_URLS);
  if (webhookUrls.length > 0 && !e.WEBHOOK_SECRET) {
    throw new ConfigError(['WEBHOOK_SECRET must be set when WEBHOOK_URLS is: receivers verify the signature with it']);
  }
  const hysteresis: Array<[string, number, string, number, 'below' | 'above']> = [
    [
      'ALARM_BATTERY_LOW_PERCENT',
      e.ALARM_BATTERY_LOW_PERCENT,
      'ALARM_BATTERY_LOW_CLEAR_PERCENT',
      e.ALARM_BATTERY_LOW_CLEAR_PERCENT,
      'below',
    ],
    [
      'ALARM_BATTERY_CRITICAL_PERCENT',
      e.ALARM_BATTERY_CRITICAL_PERCENT,
      'ALARM_BATTERY_CRITICAL_CLEAR_PERCENT',
      e.ALARM_BATTERY_CRITICAL_CLEAR_PERCENT,
      'below',
    ],
    ['ALARM_STORAGE_LOW_MINUTES', e.ALARM_STORAGE_LOW_MINUTES, 'ALARM_STORAGE_CLEAR_MINUTES', e.ALARM_STORAGE_CLEAR_MINUTES, 'below'],
    ['ALARM_TEMPERATURE_C', e.ALARM_TEMPERATURE_C, 'ALARM_TEMPERATURE_CLEAR_C', e.ALARM_TEMPERATURE_CLEAR_C, 'above'],
  ];
  const flapping = hysteresis.filter(([, raise, , clear, dir]) => (dir === 'below' ? clear < raise : clear > raise));
  if (flapping.length > 0) {
    throw new ConfigError(
      flapping.map(([r, , c, , dir]) => `${c} must be ${dir === 'below' ? 'at least' : 'at most'} ${r}, or the alarm would flap`),
    );
  }

  const generatedSecrets: LoadedConfig['generatedSecrets'] = [];
  const secret = (name: 'JWT_SECRET' | 'ADMIN_API_KEY', bytes: number): string => {
    const configured = e[name];
    if (configured) return configured;
    const value = randomBytes(bytes).toString('base64url');
    generatedSecrets.push({ name, value });
    return value;
  };

  const config: Config = {
    env: e.NODE_ENV,
    version,
    server: {
      port: e.PORT,
      host: e.HOST,
      trustProxy: e.TRUST_PROXY,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      timeouts: { headersMs: e.HTTP_HEADERS_TIMEOUT_MS, controlMs: e.HTTP_CONTROL_TIMEOUT_MS, uploadMs: e.HTTP_UPLOAD_TIMEOUT_MS },
    },
    log: {
      level: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
      pretty: e.NODE_ENV === 'development',
    },
    redis: {
      url: e.REDIS_URL,
      sentinel: sentinels && { sentinels, name: e.REDIS_SENTINEL_NAME, password: e.REDIS_SENTINEL_PASSWORD },
      password: e.REDIS_PASSWORD,
      keyPrefix: e.REDIS_KEY_PREFIX,
      adapter: e.REDIS_ADAPTER,
    },
    storage: {
      dataDir: path.resolve(e.DATA_DIR),
      s3: e.S3_BUCKET_NAME
        ? {
            bucket: e.S3_BUCKET_NAME,
            region: e.AWS_REGION,
            endpoint: e.S3_ENDPOINT,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            credentials:
              e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
                ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
                : undefined,
          }
        : undefined,
    },
    auth: {
      jwtSecret: secret('JWT_SECRET', 48),
      adminApiKey: secret('ADMIN_API_KEY', 32),
      required: e.AUTH_REQUIRED,
      metricsToken: e.METRICS_TOKEN,
      deviceTokenExpiry: e.DEVICE_TOKEN_EXPIRY,
      tokenRequestsPerMinute: e.TOKEN_REQUESTS_PER_MINUTE,
      corsOrigins: corsOrigins(e.CORS_ORIGINS, production),
    },
    limits: {
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      maxFrameBytes: e.MAX_FRAME_BYTES,
      frameBatchIntervalMs: e.FRAME_BATCH_INTERVAL_MS,
      frameThrottleMs: e.FRAME_THROTTLE_MS,
      maxFrameBatchSize: e.MAX_FRAME_BATCH_SIZE,
      telemetryBatchMs: e.TELEMETRY_BATCH_MS,
      socketEventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
      socketEventBurst: e.SOCKET_EVENT_BURST,
      maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
      maxWatchesPerSocket: e.MAX_WATCHES_PER_SOCKET,
      sessionsPerTablet: e.SESSIONS_PER_TABLET,
      socketConnectTimeoutMs: e.SOCKET_CONNECT_TIMEOUT_MS,
    },
    ttl: {
      deviceStateSeconds: e.DEVICE_STATE_TTL_SECONDS,
      lockSeconds: e.LOCK_TTL_SECONDS,
      sessionSeconds: e.SESSION_TTL_SECONDS,
      telemetrySeconds: e.TELEMETRY_TTL_SECONDS,
      uploadSeconds: e.UPLOAD_TTL_SECONDS,
    },
    uploads: {
      partUrlExpirySeconds: e.UPLOAD_URL_EXPIRY_SECONDS,
      expiryHours: e.UPLOAD_EXPIRY_HOURS,
      sweepIntervalMs: e.UPLOAD_SWEEP_INTERVAL_MS,
      urlsPerAnswer: e.UPLOAD_URLS_PER_ANSWER,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    },
    quality: {
      lowConfidence: e.QA_LOW_CONFIDENCE,
      concurrency: e.QA_CONCURRENCY,
      maxNpzBytes: e.QA_MAX_NPZ_BYTES,
      memoryBudgetBytes: e.QA_MEMORY_BUDGET_BYTES,
      maxCompressionRatio: e.QA_MAX_COMPRESSION_RATIO,
      cacheTtlSeconds: e.QA_CACHE_TTL_SECONDS,
    },
    recordings: {
      qaPassScore: e.QA_PASS_SCORE,
      frameTolerancePercent: e.RECORDING_FRAME_TOLERANCE_PERCENT,
      durationToleranceSeconds: e.RECORDING_DURATION_TOLERANCE_SECONDS,
      minFpsRatio: e.MIN_FPS_RATIO,
      uploadDeadlineMs: durationMs(e.RECORDING_UPLOAD_DEADLINE),
      verifyConcurrency: e.RECORDING_VERIFY_CONCURRENCY,
      discardRetentionMs: e.DISCARD_RETENTION_DAYS * 24 * 3600 * 1000,
      sweepIntervalMs: e.RECORDING_SWEEP_INTERVAL_MS,
    },
    storageStats: {
      cacheSeconds: e.S3_STATS_CACHE_SECONDS,
      refreshIntervalMs: e.STATS_REFRESH_INTERVAL_MS,
      region: e.AWS_REGION,
      prices: {
        standard: e.S3_PRICE_STANDARD_GB_MONTH,
        intelligentTiering: e.S3_PRICE_INTELLIGENT_TIERING_GB_MONTH,
        deepArchive: e.S3_PRICE_DEEP_ARCHIVE_GB_MONTH,
      },
    },
    timeline: { enabled: e.TIMELINE_ENABLED, retentionDays: e.TIMELINE_RETENTION_DAYS, maxEntries: e.TIMELINE_MAX_ENTRIES },
    alarms: {
      enabled: e.ALARMS_ENABLED,
      batteryLowPercent: e.ALARM_BATTERY_LOW_PERCENT,
      batteryLowClearPercent: e.ALARM_BATTERY_LOW_CLEAR_PERCENT,
      batteryCriticalPercent: e.ALARM_BATTERY_CRITICAL_PERCENT,
      batteryCriticalClearPercent: e.ALARM_BATTERY_CRITICAL_CLEAR_PERCENT,
      storageLowMinutes: e.ALARM_STORAGE_LOW_MINUTES,
      storageClearMinutes: e.ALARM_STORAGE_CLEAR_MINUTES,
      storageFallbackBytes: Math.round(e.ALARM_STORAGE_FALLBACK_GB * GiB),
      temperatureC: e.ALARM_TEMPERATURE_C,
      temperatureClearC: e.ALARM_TEMPERATURE_CLEAR_C,
      trackingLostMs: e.ALARM_TRACKING_LOST_MS,
      uploadStalledMs: e.ALARM_UPLOAD_STALLED_MS,
      uploadCheckIntervalMs: e.ALARM_UPLOAD_CHECK_INTERVAL_MS,
      checkIntervalMs: e.ALARM_CHECK_INTERVAL_MS,
      renotifyMs: Math.round(e.ALARM_RENOTIFY_MINUTES * 60_000),
      historySeconds: Math.max(1, Math.round(e.ALARM_HISTORY_DAYS * 24 * 3600)),
    },
    webhooks: {
      urls: webhookUrls,
      secret: e.WEBHOOK_SECRET,
      maxAgeMs: Math.round(e.WEBHOOK_MAX_AGE_HOURS * 3600_000),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxPending: e.WEBHOOK_MAX_PENDING,
      concurrency: e.WEBHOOK_CONCURRENCY,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
    },
    timing: {
      sessionCleanupIntervalMs: e.SESSION_CLEANUP_INTERVAL_MS,
      sessionExpiryMs: e.SESSION_EXPIRY_MS,
      offlineDeviceExpiryMs: e.OFFLINE_DEVICE_EXPIRY_MS,
      lockGraceMs: e.LOCK_GRACE_MS,
      deviceStaleMs: e.DEVICE_STALE_MS,
      recordingAckTimeoutMs: e.RECORDING_ACK_TIMEOUT_MS,
      orphanSweepIntervalMs: e.ORPHAN_SWEEP_INTERVAL_MS,
    },
  };
  return { config: deepFreeze(config), generatedSecrets };
}

/** A config for tests and tools: embedded defaults plus overrides, never secrets from the machine. */
export function testConfig(overrides: Env = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    ADMIN_API_KEY: 'test-admin-api-key-0123456789',
    ...overrides,
  }).config;
}

/** Unset: open in development and test, closed in production (the dashboard is served same-origin there). */
function corsOrigins(raw: string | undefined, production: boolean): '*' | string[] {
  if (raw === undefined) return production ? [] : '*';
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  if (list.includes('*')) return '*';
  const bad = list.filter((o) => !/^https?:\/\/[^/\s]+$/.test(o));
  if (bad.length > 0) {
    throw new ConfigError([
      `CORS_ORIGINS: expected '*' or origins like https://dashboard.example.com without a path (got ${JSON.stringify(bad.join(','))})`,
    ]);
  }
  return list;
}

/** Comma-separated http(s) URLs; anything else is refused at start, not discovered at the first alarm. */
function parseWebhookUrls(raw: string): string[] {
  const list = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  const bad = list.filter((u) => {
    try {
      return !['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return true;
    }
  });
  // The URLs themselves are not echoed: one may carry a credential.
  if (bad.length > 0) throw new ConfigError([`WEBHOOK_URLS: expected comma-separated http:// or https:// URLs (${bad.length} not)`]);
  if (list.length > 20) throw new ConfigError(['WEBHOOK_URLS: at most 20 receivers']);
  return list;
}

function isSecretName(name: string): boolean {
  return /SECRET|KEY|TOKEN|PASSWORD/.test(name) || name === 'REDIS_URL' || name === 'WEBHOOK_URLS';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

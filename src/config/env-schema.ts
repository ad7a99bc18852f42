import { z } from 'zod';

/**
 * The environment's variables: their names, forms and embedded defaults. In the
 * server only ./load.ts reads this; everything else receives a Config.
 */

export const GiB = 1024 * 1024 * 1024;

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

export function parseSentinels(raw: string): Array<{ host: string; port: number }> {
  return raw.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    const host = trimmed.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return { host, port: Number(trimmed.slice(colon + 1)) };
  });
}

export const envSchema = z.object({
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
  // Engine.IO connections (joined or not) one address may hold; past it the handshake is refused. Unset: MAX_CONNECTIONS_PER_IP + 20.
  MAX_ENGINE_CONNECTIONS_PER_IP: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    int(1, 1_000_000).optional(),
  ),
  MAX_WATCHES_PER_SOCKET: int(1, 100_000).default(256),
  SESSIONS_PER_TABLET: int(1, 1_000_000).default(1000),
  // Recording command records one tablet has in the ledger at most; beyond, its own oldest leave first.
  COMMANDS_PER_TABLET: int(10, 10_000_000).default(10_000),
  // A page of a list (recordings, sessions) and of the recordings export in bytes at most; a cut page has a nextCursor.
  PAGE_MAX_BYTES: int(64 * 1024, 256 * 1024 * 1024).default(1024 * 1024),
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
  // Headset clocks (docs/CLOCK.md): how often each is measured, when it counts as unsynced, and synchronized starts.
  CLOCK_SYNC_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
  CLOCK_SYNC_TIMEOUT_MS: int(100, 60_000).default(3_000),
  CLOCK_MAX_UNCERTAINTY_MS: decimal(0.1, 60_000).default(25),
  CLOCK_MIN_LEAD_MS: int(0, 60_000).default(500),
  SYNC_MAX_SPREAD_MS: decimal(0.1, 60_000).default(50),
  // The device timelines and the audit log (docs/AUDIT.md); false records nothing (a benchmark's baseline).
  TIMELINE_ENABLED: bool.default(true),
  TIMELINE_RETENTION_DAYS: int(1, 3650).default(30),
  TIMELINE_MAX_ENTRIES: int(100, 10_000_000).default(10_000),
  // The audit log keeps this many entries per actor (its own oldest go first), and an actor's refused
  // (denied, failed) entries past this many a minute are one summary entry instead (per process).
  AUDIT_MAX_ENTRIES_PER_ACTOR: int(10, 10_000_000).default(10_000),
  AUDIT_REFUSALS_PER_ACTOR_PER_MINUTE: int(1, 100_000).default(30),
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
  // A headset's uploads in progress at once; beyond, a start is refused (429 quota_exceeded).
  UPLOADS_IN_PROGRESS_PER_DEVICE: int(1, 10_000).default(10),
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
  // A headset's records still awaiting files (recording, uploading, incomplete); beyond, an upload to a new recording is refused.
  RECORDINGS_AWAITING_FILES_PER_DEVICE: int(1, 100_000).default(100),
  // Incomplete records, and recordings never stopped, are removed this long after their last change.
  RECORDING_INCOMPLETE_RETENTION: z
    .string()
    .regex(/^\d+[smhd]$/, { message: 'expected a duration like 7d' })
    .default('7d'),
  // Failed verdicts of one headset: the first of a window is announced, the rest in one summary when it ends (0: each on its own).
  RECORDING_NOTICE_WINDOW_MS: int(0, 24 * 3600 * 1000).default(60_000),
  // A dataset build's lease: a dead builder's build is resumed by another process this long after it stopped renewing.
  DATASET_LEASE_SECONDS: int(1, 3600).default(30),
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
  // Flapping: an alarm cleared this recently reopens (the same record) instead of a new one; and a
  // headset raises (or reopens) at most this many alarms a minute, per process.
  ALARM_REOPEN_DWELL_MS: int(0, 24 * 3600 * 1000).default(300_000),
  ALARM_RAISES_PER_DEVICE_PER_MINUTE: int(1, 10_000).default(10),
  // Escalation: a warning of a type that escalates (ALARM_RULES) becomes critical once open this long,
  // or once seen this many times while open (0: never by count).
  ALARM_ESCALATE_AFTER_MS: int(1_000, 7 * 24 * 3600 * 1000).default(600_000),
  ALARM_ESCALATE_REPEATS: int(0, 1_000_000).default(30),

  // Webhooks (docs/ALARMS.md): comma-separated http(s) URLs, signed with WEBHOOK_SECRET.
  WEBHOOK_URLS: z.string().default(''),
  WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, { message: 'expected at least 16 characters' }).optional()),
  WEBHOOK_MAX_AGE_HOURS: decimal(0.0001, 24 * 30).default(24),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  // Per receiver: deliveries waiting, and requests in flight per process (one receiver's failure never holds up another's).
  WEBHOOK_MAX_PENDING: int(1, 1_000_000).default(5_000),
  WEBHOOK_CONCURRENCY: int(1, 64).default(4),
  WEBHOOK_POLL_INTERVAL_MS: int(50, 60_000).default(1_000),
  // Alarm webhooks of one headset: the first of a window is sent, the rest in one alarm.summary when it ends (0: each on its own).
  WEBHOOK_ALARM_WINDOW_MS: int(0, 24 * 3600 * 1000).default(60_000),
});

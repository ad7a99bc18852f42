import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { envSchema, GiB, parseSentinels } from './env-schema';
import type { Config, Env, LoadedConfig } from './types';

/** Environment -> Config: the schema's values turned into the shape the server uses, checked across variables. */

/** '30m' -> 1800000: a number with s, m, h or d (the schema checked the form). */
function durationMs(text: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(text.slice(0, -1)) * unit;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Raw Engine.IO connections an address may hold beyond MAX_CONNECTIONS_PER_IP, so a refusal with a reason can still reach it. */
const ENGINE_CONNECTION_HEADROOM = 20;

/** A bearer token for /metrics shorter than this is refused in production (it could be guessed). */
export const METRICS_TOKEN_MIN_LENGTH = 24;

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
    if (e.METRICS_TOKEN !== undefined && e.METRICS_TOKEN.length < METRICS_TOKEN_MIN_LENGTH) {
      throw new ConfigError([
        `METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters when NODE_ENV=production (a short one is guessed): ` +
          'generate one with  openssl rand -base64 32',
      ]);
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

  if (e.MAX_ENGINE_CONNECTIONS_PER_IP !== undefined && e.MAX_ENGINE_CONNECTIONS_PER_IP < e.MAX_CONNECTIONS_PER_IP) {
    throw new ConfigError([
      'MAX_ENGINE_CONNECTIONS_PER_IP must be at least MAX_CONNECTIONS_PER_IP: past the first a client gets no reason for its refusal',
    ]);
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
      maxEngineConnectionsPerIp: e.MAX_ENGINE_CONNECTIONS_PER_IP ?? e.MAX_CONNECTIONS_PER_IP + ENGINE_CONNECTION_HEADROOM,
      maxWatchesPerSocket: e.MAX_WATCHES_PER_SOCKET,
      sessionsPerTablet: e.SESSIONS_PER_TABLET,
      commandsPerTablet: e.COMMANDS_PER_TABLET,
      pageMaxBytes: e.PAGE_MAX_BYTES,
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
      inProgressPerDevice: e.UPLOADS_IN_PROGRESS_PER_DEVICE,
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
      awaitingFilesPerDevice: e.RECORDINGS_AWAITING_FILES_PER_DEVICE,
      incompleteRetentionMs: durationMs(e.RECORDING_INCOMPLETE_RETENTION),
      noticeWindowMs: e.RECORDING_NOTICE_WINDOW_MS,
    },
    datasets: { leaseSeconds: e.DATASET_LEASE_SECONDS },
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
    timeline: {
      enabled: e.TIMELINE_ENABLED,
      retentionDays: e.TIMELINE_RETENTION_DAYS,
      maxEntries: e.TIMELINE_MAX_ENTRIES,
      auditMaxEntriesPerActor: e.AUDIT_MAX_ENTRIES_PER_ACTOR,
      auditRefusalsPerActorPerMinute: e.AUDIT_REFUSALS_PER_ACTOR_PER_MINUTE,
    },
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
      reopenDwellMs: e.ALARM_REOPEN_DWELL_MS,
      raisesPerDevicePerMinute: e.ALARM_RAISES_PER_DEVICE_PER_MINUTE,
      escalateAfterMs: e.ALARM_ESCALATE_AFTER_MS,
      escalateRepeats: e.ALARM_ESCALATE_REPEATS,
    },
    webhooks: {
      urls: webhookUrls,
      secret: e.WEBHOOK_SECRET,
      maxAgeMs: Math.round(e.WEBHOOK_MAX_AGE_HOURS * 3600_000),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxPending: e.WEBHOOK_MAX_PENDING,
      concurrency: e.WEBHOOK_CONCURRENCY,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      alarmWindowMs: e.WEBHOOK_ALARM_WINDOW_MS,
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
    clock: {
      syncIntervalMs: e.CLOCK_SYNC_INTERVAL_MS,
      syncTimeoutMs: e.CLOCK_SYNC_TIMEOUT_MS,
      maxUncertaintyMs: e.CLOCK_MAX_UNCERTAINTY_MS,
      minLeadMs: e.CLOCK_MIN_LEAD_MS,
      maxSpreadMs: e.SYNC_MAX_SPREAD_MS,
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
  // A user:password@ URL would never deliver (fetch refuses to send one) and would show its password wherever the URL went.
  const withCredentials = list.flatMap((u, i) => {
    const url = new URL(u);
    return url.username || url.password ? [`receiver ${i + 1} (${url.host})`] : [];
  });
  if (withCredentials.length > 0) {
    throw new ConfigError([
      `WEBHOOK_URLS: ${withCredentials.join(', ')} has credentials in its URL (user:password@), which are refused: ` +
        'requests cannot carry them. Remove them; receivers authenticate deliveries by X-Capture-Signature (WEBHOOK_SECRET)',
    ]);
  }
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

/** The typed, frozen configuration the rest of the server receives (built by ./load.ts). */

/**
 * The shapes below are the configuration of the adapters (store, storage, HTTP
 * limits); they are defined here, and the adapters import them, so the
 * configuration depends on nothing else in the server.
 */

export interface RequestTimeouts {
  /** Time a client has to send its request headers (every route). */
  headersMs: number;
  /** Time a control request (JSON API, auth, upload start/complete) has to send its whole body. */
  controlMs: number;
  /** Time a recording upload (a part PUT, the legacy form) has in all: they carry megabytes. */
  uploadMs: number;
}

/** Where Redis is: one server at a URL, or a primary that Sentinel names and follows through failovers. */
export interface RedisConnectionConfig {
  /** redis:// or rediss:// URL of a single server. */
  url?: string;
  /** Set instead of `url` for Redis Sentinel. */
  sentinel?: {
    /** Sentinels to ask where the primary is (any one that answers will do). */
    sentinels: ReadonlyArray<{ host: string; port: number }>;
    /** The primary's name in the sentinels' configuration (`sentinel monitor <name> ...`). */
    name: string;
    /** Password of the sentinels themselves (`requirepass` in sentinel.conf), if any. */
    password?: string;
  };
  /** Password of the data nodes (primary and replicas); with a URL, used when the URL carries none. */
  password?: string;
}

/** Where the bucket is and how to reach it: handed to the S3 driver as it is. */
export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The spec's TTLs of the state store (seconds). */
export interface TtlConfig {
  deviceStateSeconds: number;
  lockSeconds: number;
  sessionSeconds: number;
  telemetrySeconds: number;
  uploadSeconds: number;
}

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
    /**
     * Engine.IO connections one client address may hold at once, joined to a namespace or
     * not (per process): past it a new handshake is refused (HTTP 403) before a socket exists.
     */
    maxEngineConnectionsPerIp: number;
    /** Headsets one Socket.IO connection may view (watch or connect to) at once. */
    maxWatchesPerSocket: number;
    /** Sessions one tablet may have in the store at once. */
    sessionsPerTablet: number;
    /** Command records one tablet has in the ledger at most; beyond, its own oldest are forgotten. */
    commandsPerTablet: number;
    /** A list page (recordings, sessions, the recordings export's pages) in JSON bytes at most; a cut page has a nextCursor. */
    pageMaxBytes: number;
    /**
     * How long an Engine.IO connection may stay without joining a namespace (Socket.IO's
     * connectTimeout). Until then it counts toward maxConnectionsPerIp.
     */
    socketConnectTimeoutMs: number;
  };
  /** The store's TTLs; the QA cache's TTL is configured with the rest of quality, below. */
  ttl: TtlConfig;
  uploads: {
    /** Lifetime of presigned part URLs. */
    partUrlExpirySeconds: number;
    /** Multipart uploads older than this are aborted by the sweep. */
    expiryHours: number;
    sweepIntervalMs: number;
    /** Presigned part URLs in a start answer; the client signs later parts with sign-parts. */
    urlsPerAnswer: number;
    /** A headset's uploads in progress at once (UPLOADS_IN_PROGRESS_PER_DEVICE). */
    inProgressPerDevice: number;
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
    /** A headset's records awaiting files (recording, uploading, incomplete) at most. */
    awaitingFilesPerDevice: number;
    /** Incomplete records (and recordings never stopped) are removed this long after their last change. */
    incompleteRetentionMs: number;
    /** One notice per headset and window for a burst of failed verdicts; 0: each on its own. */
    noticeWindowMs: number;
  };
  datasets: {
    /** A build's lease; a dead builder's build is resumed elsewhere after it lapses. */
    leaseSeconds: number;
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
    /** Entries each stream (a device's timeline, a session's) keeps at most. */
    maxEntries: number;
    /** Entries one actor keeps in the audit log at most (its own oldest go first; never another actor's). */
    auditMaxEntriesPerActor: number;
    /** Refused (denied or failed) audit entries one actor writes a minute, per process; the rest are summarized. */
    auditRefusalsPerActorPerMinute: number;
  };
  alarms: AlarmConfig;
  webhooks: {
    /** Receivers; none: webhooks are off. */
    urls: string[];
    secret?: string;
    maxAgeMs: number;
    /** Every attempt ends by this (a timer the attempt owns). */
    timeoutMs: number;
    /** Deliveries waiting per receiver; beyond, that receiver's new ones are refused. */
    maxPending: number;
    /** Requests in flight per receiver, in one process. */
    concurrency: number;
    pollIntervalMs: number;
    /** Alarm webhooks of one headset coalesce per window; 0: each on its own. */
    alarmWindowMs: number;
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
  /** Headset clocks and synchronized starts (docs/CLOCK.md). */
  clock: {
    /** One exchange per headset this often, after the burst at identify. */
    syncIntervalMs: number;
    /** How long an exchange waits for the headset's answer. */
    syncTimeoutMs: number;
    /** A headset whose estimate is less sure than this gets a clock_unsynced alarm. */
    maxUncertaintyMs: number;
    /** A synchronized start is at least this far ahead (and at most 60 s). */
    minLeadMs: number;
    /** A synchronized start whose headsets started further apart than this raises start_spread. */
    maxSpreadMs: number;
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
  /** An alarm cleared this recently reopens instead of a new one (0: never). */
  reopenDwellMs: number;
  /** Alarms a headset may raise (or reopen) per minute, per process. */
  raisesPerDevicePerMinute: number;
  /** A warning that escalates becomes critical once open this long (ALARM_ESCALATE_AFTER_MS)... */
  escalateAfterMs: number;
  /** ...or once seen this many times while open (ALARM_ESCALATE_REPEATS; 0: never by count). */
  escalateRepeats: number;
}

export interface LoadedConfig {
  config: Config;
  /** Secrets that were generated because none were configured (development only). */
  generatedSecrets: Array<{ name: string; value: string }>;
}

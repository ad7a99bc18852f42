import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

const secrets = {
  JWT_SECRET: 'x'.repeat(48),
  ADMIN_API_KEY: 'y'.repeat(32),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from embedded defaults with no environment at all', () => {
    const { config, generatedSecrets } = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.server.port).toBe(3200);
    expect(config.redis.url).toBeUndefined();
    expect(config.storage.s3).toBeUndefined();
    expect(config.storage.dataDir).toMatch(/data$/);
    expect(config.limits).toEqual({
      maxUploadBytes: 100 * 1024 ** 3,
      maxFrameBytes: 1024 * 1024,
      frameBatchIntervalMs: 33,
      frameThrottleMs: 16,
      maxFrameBatchSize: 5,
      telemetryBatchMs: 500,
      socketEventsPerSecond: 20,
      socketEventBurst: 40,
      maxConnectionsPerIp: 200,
      maxEngineConnectionsPerIp: 220,
      maxWatchesPerSocket: 256,
      sessionsPerTablet: 1000,
      commandsPerTablet: 10_000,
      pageMaxBytes: 1024 * 1024,
      socketConnectTimeoutMs: 10_000,
    });
    expect(config.ttl).toEqual({
      deviceStateSeconds: 86_400,
      lockSeconds: 7_200,
      sessionSeconds: 604_800,
      telemetrySeconds: 300,
      uploadSeconds: 604_800,
    });
    expect(config.timing.lockGraceMs).toBe(60_000);
    expect(config.server.timeouts).toEqual({ headersMs: 15_000, controlMs: 15_000, uploadMs: 300_000 });
    expect(config.uploads.urlsPerAnswer).toBe(1000);
    expect(generatedSecrets.map((s) => s.name)).toEqual(['JWT_SECRET', 'ADMIN_API_KEY']);
    expect(config.auth.jwtSecret).toBe(generatedSecrets[0]!.value);
    expect(config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('generates different development secrets on each start', () => {
    expect(loadConfig({}).config.auth.jwtSecret).not.toBe(loadConfig({}).config.auth.jwtSecret);
  });

  it('is frozen', () => {
    const { config } = loadConfig({});
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow();
  });

  it('refuses production without secrets, naming them and how to generate them', () => {
    const [problem] = problemsOf({ NODE_ENV: 'production' });
    expect(problem).toContain('JWT_SECRET and ADMIN_API_KEY must be set');
    expect(problem).toContain('openssl rand -base64 48');
    expect(problem).toContain('openssl rand -base64 32');
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: secrets.JWT_SECRET })[0]).toMatch(/^ADMIN_API_KEY must/);
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).generatedSecrets).toEqual([]);
  });

  it('refuses a METRICS_TOKEN shorter than 24 characters in production, saying how to generate one (issue 37)', () => {
    const [problem] = problemsOf({ NODE_ENV: 'production', ...secrets, METRICS_TOKEN: 'short-token' });
    expect(problem).toContain('METRICS_TOKEN must be at least 24 characters');
    expect(problem).toContain('openssl rand -base64 32');
    expect(problem).not.toContain('short-token');
    expect(loadConfig({ NODE_ENV: 'production', ...secrets, METRICS_TOKEN: 'x'.repeat(24) }).config.auth.metricsToken).toHaveLength(24);
  });

  it('refuses AUTH_REQUIRED=false in production', () => {
    expect(problemsOf({ NODE_ENV: 'production', ...secrets, AUTH_REQUIRED: 'false' })[0]).toContain('AUTH_REQUIRED');
    expect(loadConfig({ AUTH_REQUIRED: 'false' }).config.auth.required).toBe(false);
  });

  it.each([
    ['PORT', 'abc', /^PORT: expected a number \(got "abc"\)/],
    ['PORT', '70000', /^PORT: expected at most 65535/],
    ['REDIS_URL', 'http://x', /^REDIS_URL: expected a redis:\/\//],
    ['S3_FORCE_PATH_STYLE', 'maybe', /^S3_FORCE_PATH_STYLE: expected true or false/],
    ['LOCK_GRACE_MS', '-5', /^LOCK_GRACE_MS: expected at least 0/],
    ['NODE_ENV', 'staging', /^NODE_ENV: /],
    ['JWT_SECRET', 'short', /^JWT_SECRET: expected at least 32 characters$/],
    ['STATS_REFRESH_INTERVAL_MS', '10', /^STATS_REFRESH_INTERVAL_MS: expected at least 1000/],
  ])('names the variable when %s=%s is malformed', (name, value, pattern) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it('never echoes a secret or a Redis URL back in an error', () => {
    expect(problemsOf({ JWT_SECRET: 'hunter2' })[0]).not.toContain('hunter2');
    expect(problemsOf({ REDIS_URL: 'http://user:pw@host' })[0]).not.toContain('pw@host');
  });

  it('reads S3, Redis and limits from the environment', () => {
    const { config } = loadConfig({
      S3_BUCKET_NAME: 'lab-bucket',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      REDIS_URL: 'redis://127.0.0.1:6380',
      MAX_UPLOAD_BYTES: '1048576',
    });
    expect(config.storage.s3).toEqual({
      bucket: 'lab-bucket',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
    });
    expect(config.redis.url).toBe('redis://127.0.0.1:6380');
    expect(config.limits.maxUploadBytes).toBe(1_048_576);
  });

  it('requires AWS credentials in pairs', () => {
    expect(problemsOf({ AWS_ACCESS_KEY_ID: 'AKIA' })[0]).toContain('must be set together');
  });

  it('treats empty variables as unset', () => {
    const { config } = loadConfig({ REDIS_URL: '', S3_BUCKET_NAME: ' ' });
    expect(config.redis.url).toBeUndefined();
    expect(config.storage.s3).toBeUndefined();
  });

  it("reads Redis Sentinel: sentinels, the primary's name and both passwords", () => {
    const { config } = loadConfig({
      REDIS_SENTINELS: ' 10.0.0.1:26379, sentinel-b.lab:26380,[::1]:26381 ',
      REDIS_SENTINEL_NAME: 'capture',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'data-secret',
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.redis.sentinel).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.lab', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'capture',
      password: 'sentinel-secret',
    });
    expect(config.redis.password).toBe('data-secret');
    expect(loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379' }).config.redis.sentinel?.name).toBe('mymaster');
    expect(loadConfig({}).config.redis.sentinel).toBeUndefined();
  });

  it('refuses a malformed sentinel list, a bad name, and REDIS_URL beside REDIS_SENTINELS', () => {
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1' })[0]).toMatch(/^REDIS_SENTINELS: expected host:port pairs/);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:26379;rm -rf' })[0]).toMatch(/^REDIS_SENTINELS: expected host:port pairs/);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:70000' })[0]).toMatch(/port 70000 of 10.0.0.1 is not between 1 and 65535/);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'my master' })[0]).toMatch(/^REDIS_SENTINEL_NAME:/);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_URL: 'redis://127.0.0.1:6379' })[0]).toMatch(
      /REDIS_URL and REDIS_SENTINELS are both set/,
    );
  });
});

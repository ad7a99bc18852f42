import { describe, expect, it } from 'vitest';
import { loadConfig, testConfig } from '../../src/config';
import { dashboardUrl, startWarnings } from '../../src/config/start-warnings';
import { createLogger } from '../../src/logger';
import { captureLog } from '../helpers/log-capture';

/** What a person sees in the first minutes (issue 36): warnings at start, the dashboard's address, one line per event. */
describe('the first hour', () => {
  it('warns at start of production without a bucket, of AUTH_REQUIRED=false and of a Node past its end of life, and of nothing else', () => {
    const production = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      ADMIN_API_KEY: 'y'.repeat(40),
      DATA_DIR: '/srv/capture',
      REDIS_URL: 'redis://127.0.0.1:6379',
    }).config;
    expect(startWarnings(production, 'v22.12.0')).toEqual([
      "NODE_ENV=production without S3_BUCKET_NAME: recordings are kept on this machine's disk in DATA_DIR (/srv/capture); set S3_BUCKET_NAME to keep them in a bucket",
    ]);
    const open = testConfig({ AUTH_REQUIRED: 'false' });
    expect(startWarnings(open, 'v24.1.0')).toEqual([
      'AUTH_REQUIRED=false: any client may connect and call the API without a token; for development only',
    ]);
    expect(startWarnings(testConfig(), 'v24.1.0')).toEqual([]);
    expect(startWarnings(testConfig(), 'v20.19.5')).toEqual([
      expect.stringMatching(/^Node v20\.19\.5 is past its end of life .*run Node 22 or 24/),
    ]);
  });

  it('prints where the dashboard is', () => {
    expect(dashboardUrl('0.0.0.0', 3200)).toBe('http://localhost:3200/dashboard');
    expect(dashboardUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/dashboard');
    expect(dashboardUrl('::1', 3200)).toBe('http://[::1]:3200/dashboard');
  });

  it('logs a domain event with its fields as one line in development', () => {
    const out = captureLog();
    const logger = createLogger(loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'info' }).config, out.stream);
    logger.child({ component: 'domain' }).info({ deviceId: 'QUEST_001', socketId: 'abc', isRecording: true }, 'headset recording');
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO: headset recording .*"deviceId":"QUEST_001"/);
  });
});

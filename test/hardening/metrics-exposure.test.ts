import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { CaptureServer } from '../../src/app';
import { startServer } from '../helpers/test-server';
import { captureLog } from '../helpers/log-capture';

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startWithLogs(env: Record<string, string>) {
  const logs = captureLog();
  const full = { LOG_LEVEL: 'info', ...env };
  servers.push(await startServer({ env: full, logger: createLogger(testConfig(full), logs.stream) }));
  return logs;
}

const openWarning = (logs: ReturnType<typeof captureLog>) =>
  logs.lines().filter((r) => r.level === 40 && String(r.msg).includes('/metrics is OPEN'));

describe('an open /metrics is said loudly in production (issue 17, 16)', () => {
  it('warns at start in production without METRICS_TOKEN', async () => {
    const logs = await startWithLogs({ NODE_ENV: 'production' });
    expect(openWarning(logs)).toHaveLength(1);
  });

  it('does not warn with METRICS_TOKEN, nor in development', async () => {
    const withToken = await startWithLogs({ NODE_ENV: 'production', METRICS_TOKEN: 'a-metrics-token-0123456789' });
    const development = await startWithLogs({ NODE_ENV: 'development' });
    expect(openWarning(withToken)).toEqual([]);
    expect(openWarning(development)).toEqual([]);
  });
});

describe('wrong METRICS_TOKENs are limited per address (issue 37)', () => {
  it('answers 429 once TOKEN_REQUESTS_PER_MINUTE wrong tokens were tried, the right one included; a right token never counts', async () => {
    const token = 'a-metrics-token-0123456789';
    const server = await startServer({ env: { METRICS_TOKEN: token, TOKEN_REQUESTS_PER_MINUTE: '3' } });
    servers.push(server);
    const get = (bearer: string) => fetch(`${server.url()}/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
    // Right tokens do not use up the budget.
    for (let i = 0; i < 5; i++) expect((await get(token)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(`guess-${i}`)).status).toBe(401);
    const refused = await get('guess-4');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ ok: false, code: 'rate_limited' });
    expect((await get(token)).status).toBe(429);
  });
});

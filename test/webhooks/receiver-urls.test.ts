import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { eventually, tokenFor } from '../helpers/clients';
import { captureLog } from '../helpers/log-capture';
import { freePort } from '../helpers/redis-server';
import { startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { startReceiver } from './receiver';

/**
 * Issue 37: a dashboard token read the delivery log, which showed receivers'
 * full URLs (secret path segments, ?token= queries) and a basic-auth password.
 */

const redis = useTestRedis();
const SECRET = 'webhook-test-secret-0123456789';
const PATH_SECRET = 'p4th-s3cret-0c1d';
const QUERY_SECRET = 'qu3ry-t0ken-9f8e';

const servers: CaptureServer[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ NODE_ENV: 'test', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('webhook receiver URLs', () => {
  it('refuses a URL with credentials at start, naming the receiver by its host and never the password', () => {
    const problems = configProblems({
      WEBHOOK_URLS: `https://hooks.example.com/ok,https://lab:hunter2-pw@basic.example.com:8443/${PATH_SECRET}`,
      WEBHOOK_SECRET: SECRET,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^WEBHOOK_URLS: receiver 2 \(basic\.example\.com:8443\) has credentials in its URL/);
    expect(problems[0]).toContain('X-Capture-Signature');
    for (const secret of ['hunter2-pw', 'lab:', PATH_SECRET]) expect(problems[0]).not.toContain(secret);
    // A user name alone is a credential too.
    expect(configProblems({ WEBHOOK_URLS: 'https://lab@basic.example.com/hook', WEBHOOK_SECRET: SECRET })[0]).toMatch(
      /receiver 1 \(basic\.example\.com\) has credentials/,
    );
    expect(() =>
      loadConfig({ WEBHOOK_URLS: `https://hooks.example.com/${PATH_SECRET}?token=${QUERY_SECRET}`, WEBHOOK_SECRET: SECRET }),
    ).not.toThrow();
  });

  describe.each(STORE_KINDS)('%s store', (kind) => {
    it('shows receivers by host only in the delivery log, its errors and the server log, to a dashboard token', async () => {
      const healthy = await startReceiver(SECRET);
      closers.push(() => healthy.close());
      // A receiver that is down, with its secret in the path and the query.
      const downPort = await freePort();
      const down = `http://127.0.0.1:${downPort}/hooks/${PATH_SECRET}?token=${QUERY_SECRET}`;
      const log = captureLog();
      const storeEnv = kind === 'redis' ? { REDIS_URL: redis().url, REDIS_KEY_PREFIX: redis().uniquePrefix() } : {};
      const server = await startServer({
        env: {
          ...storeEnv,
          WEBHOOK_URLS: `${healthy.url}?token=${QUERY_SECRET},${down}`,
          WEBHOOK_SECRET: SECRET,
          WEBHOOK_POLL_INTERVAL_MS: '50',
          // Given up at the first failure, so the give-up is logged too.
          WEBHOOK_MAX_AGE_HOURS: '0.0001',
          LOG_LEVEL: 'debug',
        },
        logger: pino({ level: 'debug' }, log.stream),
      });
      servers.push(server);
      await server.services.alarms.raise('H1', 'battery_critical', 8, 'battery at 8 %');

      const res = await eventually(async () => {
        const answer = await fetch(`${server.url()}/api/webhooks/deliveries`, {
          headers: { authorization: `Bearer ${tokenFor(server, 'DASH_1', 'dashboard')}` },
        });
        expect(answer.status).toBe(200);
        const body = (await answer.json()) as { attempts: Array<{ receiver: string; outcome: string; error?: string }> };
        expect(body.attempts.map((a) => a.outcome).sort()).toEqual(['delivered', 'gave-up']);
        return body;
      });
      expect(res.attempts).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ receiver: healthy.host, outcome: 'delivered' }),
          expect.objectContaining({ receiver: `127.0.0.1:${downPort}`, outcome: 'gave-up', error: 'ECONNREFUSED' }),
        ]),
      );
      const shown = JSON.stringify(res);
      await eventually(() => expect(log.text()).toContain('webhook given up'));
      for (const text of [shown, log.text()]) {
        for (const secret of [PATH_SECRET, QUERY_SECRET, '/hook']) expect(text).not.toContain(secret);
      }
      expect(healthy.received).toHaveLength(1);
    });
  });
});

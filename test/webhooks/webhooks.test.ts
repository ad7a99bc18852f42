import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { eventually } from '../helpers/clients';
import { freePort } from '../helpers/redis-server';
import { serverFactory, startServer, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { startReceiver } from './receiver';

const redis = useTestRedis();
const SECRET = 'webhook-test-secret-0123456789';
const receivers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(...args: Parameters<typeof startReceiver> extends [string, ...infer R] ? R : never) {
  const r = await startReceiver(SECRET, ...args);
  receivers.push(r);
  return r;
}

const env = (urls: string[], extra: Record<string, string> = {}) => ({
  WEBHOOK_URLS: urls.join(','),
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1500',
  ...extra,
});

async function deliveries(server: CaptureServer) {
  const res = await fetch(`${server.url()}/api/webhooks/deliveries`, { headers: { 'x-api-key': server.config.auth.adminApiKey } });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    pending: number;
    attempts: Array<{ eventId: string; receiver: string; outcome: string; status?: number; error?: string }>;
  };
}

const verdict = (verdict: 'pass' | 'fail') => ({ recordingId: '20261201_120000_H1', deviceId: 'H1', verdict, qaScore: 80, reasons: [] });

describe.each(STORE_KINDS)('webhooks (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  it('signs each event, retries a receiver that answers 500 then 200, and is not held up by one that hangs', async () => {
    const flaky = await receiver((n) => (n === 1 ? 500 : 200));
    const hanging = await receiver(() => 'hang');
    const server = await start(env([flaky.url, hanging.url]));
    await server.events.publish('recording.verdict', verdict('pass'));
    await server.services.alarms.raise('H1', 'battery_critical', 8, 'battery at 8 %');

    await eventually(() => expect(flaky.received.filter((r) => r.json.type === 'alarm.raised')).toHaveLength(1));
    await eventually(() => expect(flaky.received.length).toBeGreaterThanOrEqual(3));
    const byType = (t: string) => flaky.received.filter((r) => r.json.type === t);
    // The first attempt of the first event got 500; it came again, with the same event ID.
    expect(byType('recording.verified')).toHaveLength(2);
    expect(new Set(byType('recording.verified').map((r) => r.json.id)).size).toBe(1);
    expect(flaky.received.every((r) => r.valid)).toBe(true);
    expect(byType('alarm.raised')[0]!.json.data).toMatchObject({
      deviceId: 'H1',
      type: 'battery_critical',
      severity: 'critical',
      value: 8,
    });
    expect(Date.parse(byType('alarm.raised')[0]!.json.timestamp)).not.toBeNaN();

    const log = await eventually(async () => {
      const d = await deliveries(server);
      expect(d.attempts.some((a) => a.receiver === hanging.host && /timeout/.test(a.error ?? '') && a.outcome === 'retrying')).toBe(true);
      return d;
    });
    const flakyAttempts = log.attempts.filter((a) => a.receiver === flaky.host).map((a) => [a.outcome, a.status]);
    expect(flakyAttempts).toEqual(
      expect.arrayContaining([
        ['retrying', 500],
        ['delivered', 200],
      ]),
    );
    // Only the hanging receiver's deliveries still wait.
    expect(log.pending).toBe(2);
  });

  it('tampered bodies fail verification; webhooks are off without WEBHOOK_URLS', async () => {
    const ok = await receiver();
    const server = await start(env([ok.url]));
    await server.events.publish('recording.verdict', verdict('fail'));
    // The failed verdict also raises recording_rejected, which is announced as alarm.raised.
    const got = await eventually(() => {
      const rejected = ok.received.filter((r) => r.json.type === 'recording.rejected');
      expect(rejected).toHaveLength(1);
      return rejected[0];
    });
    expect(got!.json).toMatchObject({ type: 'recording.rejected', data: { recordingId: '20261201_120000_H1', verdict: 'fail' } });
    const { verify } = await import('./receiver');
    expect(verify(got!.body.replace('fail', 'pass'), got!.signature, SECRET)).toBe(false);
    expect(verify(got!.body, got!.signature, 'another-secret-0123456789')).toBe(false);

    const off = await start();
    expect(off.services.webhooks.enabled).toBe(false);
    expect(await deliveries(off)).toMatchObject({ pending: 0, attempts: [] });
  });
});

describe('webhooks in a cluster', () => {
  const servers: CaptureServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const member = async (prefix: string, urls: string[]) => {
    const server = await startServer({ env: { REDIS_URL: redis().url, REDIS_KEY_PREFIX: prefix, ...env(urls) } });
    servers.push(server);
    return server;
  };

  it('delivers each event once across processes', async () => {
    const hook = await receiver();
    const prefix = redis().uniquePrefix();
    const [a, b] = [await member(prefix, [hook.url]), await member(prefix, [hook.url])];
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b).events.publish('recording.verdict', { ...verdict('pass'), recordingId: `rec_${i}` });
    await eventually(async () => expect((await deliveries(a)).attempts.filter((x) => x.outcome === 'delivered')).toHaveLength(6));
    expect((await deliveries(b)).pending).toBe(0);
    expect(hook.received.map((r) => (r.json.data as { recordingId: string }).recordingId).sort()).toEqual([
      'rec_0',
      'rec_1',
      'rec_2',
      'rec_3',
      'rec_4',
      'rec_5',
    ]);
  });

  it('keeps a delivery through a restart while its receiver is down, and delivers it after', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const prefix = redis().uniquePrefix();
    const first = await member(prefix, [url]);
    await first.events.publish('session.changed', {
      change: 'ended',
      session: {
        sessionId: 'S1',
        tabletId: 'TAB_1',
        deviceIds: ['H1'],
        status: 'completed',
        createdAt: new Date(),
        endedAt: new Date(),
        deviceStatuses: {},
      },
    });
    await eventually(async () =>
      expect((await deliveries(first)).attempts.some((x) => x.outcome === 'retrying' && x.error === 'ECONNREFUSED')).toBe(true),
    );
    await first.close();
    servers.splice(servers.indexOf(first), 1);

    const hook = await receiver(undefined, port);
    const second = await member(prefix, [url]);
    await eventually(() => expect(hook.received).toHaveLength(1), 10_000);
    expect(hook.received[0]!.json).toMatchObject({
      type: 'session.ended',
      data: { sessionId: 'S1', tabletId: 'TAB_1', deviceIds: ['H1'] },
    });
    expect(hook.received[0]!.valid).toBe(true);
    await eventually(async () => expect((await deliveries(second)).pending).toBe(0));
  });
});

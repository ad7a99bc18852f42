import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { eventually, identifiedHeadset } from '../helpers/clients';
import { telemetry } from '../helpers/fixtures';
import { gcPressure } from '../helpers/gc-pressure';
import { serverFactory, STORE_KINDS, useTestRedis } from '../helpers/test-server';
import { startReceiver } from './receiver';

/**
 * The attack of issue 37: beside a healthy receiver, one that accepts the
 * connection and never answers. Run under garbage-collection pressure, which
 * kept AbortSignal.timeout() inside AbortSignal.any() from ever firing.
 */

const redis = useTestRedis();
const SECRET = 'webhook-test-secret-0123456789';
const CONCURRENCY = 4;
const MAX_PENDING = 4;
const EVENTS = 6;
/** Long enough that pacing the events can never reach it, on however loaded a machine. */
const LONG_TIMEOUT_MS = 30_000;
const SHORT_TIMEOUT_MS = 2_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Attempt {
  deliveryId: string;
  eventId: string;
  receiver: string;
  attempt: number;
  outcome: string;
  error?: string;
  durationMs: number;
}

async function deliveries(server: CaptureServer) {
  const res = await fetch(`${server.url()}/api/webhooks/deliveries?limit=1000`, {
    headers: { 'x-api-key': server.config.auth.adminApiKey },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { pending: number; receivers: Array<{ receiver: string; pending: number }>; attempts: Attempt[] };
}

async function refusedCount(server: CaptureServer): Promise<number> {
  const text = await (await fetch(`${server.url()}/metrics`)).text();
  return Number(/^turing_webhook_attempts_total\{outcome="refused"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

describe.each(STORE_KINDS)('a webhook receiver that never answers (%s store)', (kind) => {
  const start = serverFactory(kind, redis);

  async function receivers() {
    const hanging = await startReceiver(SECRET, () => 'hang');
    const healthy = await startReceiver(SECRET);
    cleanups.push(
      () => hanging.close(),
      () => healthy.close(),
    );
    return { hanging, healthy };
  }

  const env = (hanging: string, healthy: string, timeoutMs: number) => ({
    // The hanging receiver first: with shared request slots it would take them all.
    WEBHOOK_URLS: `${hanging},${healthy}`,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_POLL_INTERVAL_MS: '50',
    WEBHOOK_TIMEOUT_MS: String(timeoutMs),
    WEBHOOK_CONCURRENCY: String(CONCURRENCY),
    WEBHOOK_MAX_PENDING: String(MAX_PENDING),
  });

  /** Makes a headset raise battery_critical: one alarm.raised event for every receiver. */
  async function raiseAlarm(server: CaptureServer, deviceId: string): Promise<void> {
    const headset = await identifiedHeadset(server, deviceId);
    expect((await headset.ask('device-telemetry', telemetry(deviceId, { batteryLevel: 0.05 }))).ok).toBe(true);
  }

  it("delays and refuses nothing of a healthy receiver's while its own queue fills", async () => {
    cleanups.push(gcPressure(250));
    const { hanging, healthy } = await receivers();
    const server = await start(env(hanging.url, healthy.url, LONG_TIMEOUT_MS));

    // One alarm.raised per headset, each raised once the healthy receiver has the one before.
    for (let i = 0; i < EVENTS; i++) {
      await raiseAlarm(server, `H${i}`);
      await eventually(() =>
        expect(healthy.received.filter((r) => r.json.type === 'alarm.raised' && r.json.data.deviceId === `H${i}`)).toHaveLength(1),
      );
    }
    // Every one of them while the hanging receiver's requests were all still open: none has ended.
    const { attempts, receivers: queues } = await deliveries(server);
    expect(attempts.filter((a) => a.receiver === hanging.host)).toEqual([]);
    expect(healthy.received.every((r) => r.valid)).toBe(true);
    expect(new Set(healthy.received.map((r) => r.json.id)).size).toBe(EVENTS);
    expect(hanging.calls).toBe(CONCURRENCY);

    // The hanging receiver's queue is full: its own later deliveries were refused, none of the healthy one's.
    expect(queues).toEqual([
      { receiver: hanging.host, pending: MAX_PENDING, inFlight: CONCURRENCY },
      { receiver: healthy.host, pending: 0, inFlight: 0 },
    ]);
    expect(await refusedCount(server)).toBe(EVENTS - MAX_PENDING);
  }, 40_000);

  it('ends each attempt to it at WEBHOOK_TIMEOUT_MS and retries it, under garbage-collection pressure', async () => {
    cleanups.push(gcPressure(250));
    const { hanging, healthy } = await receivers();
    const server = await start(env(hanging.url, healthy.url, SHORT_TIMEOUT_MS));
    await raiseAlarm(server, 'H1');
    await eventually(() => expect(healthy.received).toHaveLength(1));

    // A second attempt comes only once the first has ended: retried as the policy says (1 s, then 2 s, ...).
    const log = await eventually(async () => {
      const { attempts } = await deliveries(server);
      const mine = attempts.filter((a) => a.receiver === hanging.host);
      expect(mine.map((a) => a.attempt).sort()).toEqual([1, 2]);
      return mine;
    }, 6 * SHORT_TIMEOUT_MS);
    expect(new Set(log.map((a) => a.deliveryId)).size).toBe(1);
    for (const attempt of log) {
      expect(attempt).toMatchObject({ outcome: 'retrying', error: `timeout after ${SHORT_TIMEOUT_MS} ms` });
      // Ended at the timeout, not minutes later (the slack is for a loaded machine).
      expect(attempt.durationMs).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
      expect(attempt.durationMs).toBeLessThan(SHORT_TIMEOUT_MS + 1_500);
    }
    expect(hanging.calls).toBeGreaterThanOrEqual(2);
    expect(healthy.received).toHaveLength(1);
    // The log names receivers by host: no path, no query.
    expect(JSON.stringify(await deliveries(server))).not.toContain('/hook');
  }, 40_000);
});

/**
 * npm run bench:locks [-- --rate 100 --seconds 20]
 *
 * Lock acquires with Redis at a steady rate (100 a second by default), two ways,
 * each beside a baseline measured in the same run at the same pace:
 * - the store: RedisLockStore.acquire (one Lua script) against a Redis PING on
 *   the same connection: the round trip every Redis command pays;
 * - end to end: a tablet's `tablet-lock-device` through the built server
 *   (its own process, NODE_ENV=production, Redis store) until the ack, against
 *   an event the server answers without the store (an unknown event, refused
 *   by the router): the Socket.IO round trip.
 * Every acquire is released before the next one on the same device, so each
 * acquire is a real acquisition, not a refresh. Prints p50/p99/max, the ratio
 * to the baseline and the load average; the whole run stops by itself.
 */
import os from 'node:os';
import pino from 'pino';
import { TokenService } from '../src/auth';
import { RedisStore } from '../src/state/redis/redis-store';
import { WireClient } from './frames/sio-wire';
import { percentile } from './lib/process';
import { startRedis, startServerProcess } from './lib/processes';
import { numberOption } from './lib/options';

const RATE = numberOption('rate', 100);
const SECONDS = numberOption('seconds', 20);
const DEVICES = 50;
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';

/**
 * Runs `op` RATE times a second for SECONDS (paced by start time, not chained), returning each
 * latency in ms, ascending. A failed op is counted (and its first message kept), not timed.
 */
async function paced(op: (i: number) => Promise<void>): Promise<number[] & { failed?: string }> {
  const latencies: number[] & { failed?: string } = [];
  let failures = 0;
  const total = RATE * SECONDS;
  const began = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    inFlight.push(
      op(i).then(
        () => void latencies.push(performance.now() - t0),
        (err: Error) => {
          failures++;
          latencies.failed ??= err.message;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  if (failures > 0) latencies.failed = `${failures} of ${total} failed, first: ${latencies.failed}`;
  return latencies;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
function report(name: string, measured: number[] & { failed?: string }, baseline: number[], baselineName: string): void {
  if (measured.failed) console.log(`${name}: ${measured.failed}`);
  const [p50, p99, max] = [percentile(measured, 50), percentile(measured, 99), measured[measured.length - 1]!];
  const [b50, b99, bmax] = [percentile(baseline, 50), percentile(baseline, 99), baseline[baseline.length - 1]!];
  console.log(`\n| ${RATE}/s for ${SECONDS} s | ${name} | ${baselineName} (baseline) | ratio |\n| --- | --- | --- | --- |`);
  console.log(`| p50 | ${fmt(p50)} | ${fmt(b50)} | ${(p50 / b50).toFixed(2)} |`);
  console.log(`| p99 | ${fmt(p99)} | ${fmt(b99)} | ${(p99 / b99).toFixed(2)} |`);
  console.log(`| max | ${fmt(max)} | ${fmt(bmax)} | ${(max / bmax).toFixed(2)} |`);
  console.log(`${name}: p99 ${fmt(p99)} (target < 5 ms: ${p99 < 5 ? 'met' : 'NOT met'}), load average ${os.loadavg()[0]!.toFixed(1)}`);
}

async function storeLevel(url: string): Promise<void> {
  const ttls = { deviceStateSeconds: 3600, lockSeconds: 7200, sessionSeconds: 3600, telemetrySeconds: 300, uploadSeconds: 3600 };
  const store = new RedisStore({ url, keyPrefix: 'bench:', ttls, logger: pino({ level: 'silent' }) });
  try {
    await store.ping();
    // Alternating, so load that drifts during the run weighs on both alike.
    const ping = await paced(async () => store.ping());
    const acquire = await paced(async (i) => {
      const deviceId = `QUEST_${i % DEVICES}`;
      const result = await store.locks.acquire(deviceId, 'TABLET_BENCH');
      if (result.outcome !== 'acquired') throw new Error(`expected a fresh acquisition, got ${result.outcome}`);
      await store.locks.release(deviceId, 'TABLET_BENCH');
    });
    report('store: locks.acquire (+ release, timed apart)', acquire, ping, 'Redis PING');
  } finally {
    await store.close();
  }
}

async function endToEnd(url: string): Promise<void> {
  const server = await startServerProcess({
    REDIS_URL: url,
    REDIS_KEY_PREFIX: 'e2e:',
    JWT_SECRET,
    ADMIN_API_KEY: 'bench-admin-api-key-0123456789',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
  });
  const tokens = new TokenService(JWT_SECRET, '1h');
  const clients: WireClient[] = [];
  try {
    // Headsets must be online to be locked.
    for (let d = 0; d < DEVICES; d++) {
      const headset = await WireClient.connect(server.url, tokens.sign(`QUEST_${d}`, 'headset'));
      clients.push(headset);
      await headset.ask('headset-identify', `QUEST_${d}`);
    }
    const tablet = await WireClient.connect(server.url, tokens.sign('TABLET_BENCH', 'tablet'));
    clients.push(tablet);
    const roundTrip = await paced(async () => void (await tablet.ask('bench-no-such-event')));
    // Unlocks are not timed, but awaited before the server stops: one left unanswered would end the run later.
    const unlocks: Array<Promise<unknown>> = [];
    const lock = await paced(async (i) => {
      const deviceId = `QUEST_${i % DEVICES}`;
      const answer = (await tablet.ask('tablet-lock-device', deviceId)) as { ok: boolean; refreshed?: boolean };
      if (!answer.ok || answer.refreshed) throw new Error(`lock ${deviceId}: ${JSON.stringify(answer)}`);
      unlocks.push(tablet.ask('tablet-unlock-device', deviceId).catch((err: Error) => err));
    });
    await Promise.all(unlocks);
    report('end to end: tablet-lock-device until its ack', lock, roundTrip, 'Socket.IO round trip (unknown event)');
  } finally {
    await server.stop();
    for (const c of clients) c.close();
  }
}

async function main(): Promise<void> {
  console.log(`bench:locks: ${RATE} acquires/s for ${SECONDS} s, Redis on loopback, load average ${os.loadavg()[0]!.toFixed(1)} at start`);
  const redis = await startRedis();
  try {
    await storeLevel(redis.url);
    await endToEnd(redis.url);
  } finally {
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { z } from 'zod';
import { TokenService } from '../../src/auth';
import { loadConfig } from '../../src/config';
import { createStore } from '../../src/state';
import { SimulatedFleet } from '../simulate';
import { checkInvariants } from './invariants';
import { freePort, killAll, redisProcess, serverProcess, type Restartable } from './processes';
import { startReceivers, type SoakReceivers } from './webhook-receivers';

/**
 * npm run soak -- --minutes N [--headsets 50] [--tablets 5] [--seed 1]
 * A simulated fleet runs sessions and uploads against one server process and
 * Redis, both on loopback, while a chaos loop SIGKILLs and restarts one of
 * them at random; one headset flaps (drops off and comes back every few
 * seconds) and webhooks go to a healthy receiver and one that hangs on half of
 * its deliveries. Then the fleet stops and the invariants are checked. Bounded
 * by --minutes (at most 120); not part of npm test. Exits 1 if an invariant fails.
 */
const argsSchema = z.object({
  minutes: z.coerce.number().positive().max(120),
  headsets: z.coerce.number().int().min(1).max(200).default(50),
  tablets: z.coerce.number().int().min(1).max(20).default(5),
  seed: z.coerce.number().int().default(1),
});

const MiB = 1024 * 1024;
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function main(): Promise<void> {
  const str = { type: 'string' } as const;
  const args = argsSchema.parse(parseArgs({ options: { minutes: str, headsets: str, tablets: str, seed: str } }).values);
  const work = mkdtempSync(path.join(os.tmpdir(), 'capture-soak-'));
  const dataDir = path.join(work, 'data');
  const [redisPort, serverPort] = [await freePort(), await freePort()];
  const secrets = { JWT_SECRET: 'soak-jwt-secret-0123456789-0123456789-xyz', ADMIN_API_KEY: 'soak-admin-api-key-0123456789' };
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  let rnd = args.seed;
  const random = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const webhookSecret = 'soak-webhook-secret-0123456789';
  const receivers = await startReceivers(webhookSecret, random);
  const redis = redisProcess(redisPort, work);
  const server = serverProcess(
    serverPort,
    {
      ...secrets,
      NODE_ENV: 'production',
      METRICS_TOKEN: 'soak-metrics-token-0123456789',
      REDIS_URL: redisUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Short grace and expiry, so the end state is reached within the run.
      LOCK_GRACE_MS: '5000',
      // The session cleanup (expiry, orphans) runs often enough to act within the run.
      SESSION_CLEANUP_INTERVAL_MS: '10000',
      WEBHOOK_URLS: receivers.urls,
      WEBHOOK_SECRET: webhookSecret,
      // A hanging attempt ends this soon, so retries to the hanging receiver get through within the run.
      WEBHOOK_TIMEOUT_MS: '2000',
    },
    path.join(work, 'server-stderr.log'),
  );
  await redis.start();
  await server.start();
  const tokens = new TokenService(secrets.JWT_SECRET, '24h');
  const uploaded = new Map<string, number>();
  const fleet = new SimulatedFleet({
    url: `http://127.0.0.1:${serverPort}`,
    headsets: args.headsets,
    tablets: args.tablets,
    mintToken: async (deviceId, type) => tokens.sign(deviceId, type),
    fps: 2,
    telemetryIntervalMs: 2_000,
    sessionSeconds: 8,
    gapSeconds: 2,
    videoBytes: 1 * MiB,
    seed: args.seed,
    onUploaded: ({ key, size }) => uploaded.set(key, size),
  });
  log(`soak: ${args.headsets} headsets, ${args.tablets} tablets, ${args.minutes} min; server :${serverPort}, redis :${redisPort}, ${work}`);
  await fleet.start();
  const flapping = flap(fleet);
  // Memory after warm-up, per server process lifetime: the chaos restarts it.
  await new Promise((r) => setTimeout(r, 10_000));
  const rssStart = server.rss();
  // The server process the fleet ends on: its highest memory while the fleet works it (sampled every
  // 2 s), to compare with its memory once the fleet is gone. Not its memory 10 s after start: its QA
  // workers and the integrity gate start later, and then it would be compared with a process half-loaded.
  let rssCurrentWarm = rssStart;
  const sampler = setInterval(() => {
    const rss = server.rss();
    if (rss !== undefined && (rssCurrentWarm === undefined || rss > rssCurrentWarm)) rssCurrentWarm = rss;
  }, 2_000);

  const chaos: Array<{ at: string; target: string; downMs: number }> = [];
  const end = Date.now() + args.minutes * 60_000;
  let lastServerStart = Date.now();
  while (Date.now() < end - 30_000) {
    await new Promise((r) => setTimeout(r, 15_000 + random() * 25_000));
    if (Date.now() >= end - 30_000) break;
    const target: Restartable = random() < 0.5 ? server : redis;
    const downMs = 500 + Math.round(random() * 2_500);
    log(`chaos: SIGKILL ${target.name}, down ${downMs} ms | ${statsLine(fleet)}`);
    await target.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await target.start();
    if (target === server) {
      lastServerStart = Date.now();
      // A new process: its own peak from now on.
      rssCurrentWarm = server.rss();
    }
    chaos.push({ at: new Date().toISOString().slice(11, 19), target: target.name, downMs });
  }
  const rssBeforeStop = server.rss();
  clearInterval(sampler);
  log(`stopping the fleet | ${statsLine(fleet)}`);
  clearInterval(flapping.timer);
  // Uploads that meet a restart retry for about a minute and a half: the stop waits for them.
  await fleet.stop(120_000);
  // Sessions end and locks are released on the server after the sockets go; webhook retries land.
  await new Promise((r) => setTimeout(r, 15_000));

  const config = loadConfig({ ...secrets, NODE_ENV: 'production', REDIS_URL: redisUrl }).config;
  const store = createStore(config, pino({ level: 'silent' }));
  // A session the server must resolve itself (an orphan is ended by the cleanup once a minute old) gets up to 90 s.
  let report = await checkInvariants(store, dataDir, fleet.tabletIds, uploaded);
  for (const until = Date.now() + 90_000; report.stuckSessions.length > 0 && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 5_000));
    report = await checkInvariants(store, dataDir, fleet.tabletIds, uploaded);
  }
  // Memory once the server is idle: the lowest of four readings 5 s apart (verifications of the last takes may still run).
  let rssEnd: number | undefined;
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 5_000));
    const rss = server.rss();
    if (rss !== undefined) rssEnd = Math.min(rssEnd ?? rss, rss);
  }
  await store.close();
  await server.kill();
  await redis.kill();
  receivers.close();
  const hooks = webhookReport(receivers);

  const s = fleet.stats;
  const mb = (n?: number) => (n === undefined ? 'n/a' : `${Math.round(n / MiB)} MB`);
  const failures = [
    report.doublyLocked.length > 0 && `devices locked by two tablets: ${report.doublyLocked.join(', ')}`,
    report.stuckSessions.length > 0 && `sessions stuck in a transient state: ${report.stuckSessions.length}`,
    report.brokenObjects.length > 0 && `completed uploads not whole: ${report.brokenObjects.length}`,
    fleet.stats.uploadsFailed > 0 && `uploads failed after the client's retries: ${fleet.stats.uploadsFailed}`,
    ...hooks.failures,
    memoryNotBack(rssCurrentWarm, rssEnd),
  ].filter((f): f is string => typeof f === 'string');
  const summary = {
    minutes: args.minutes,
    chaos: { serverKills: chaos.filter((c) => c.target === 'server').length, redisKills: chaos.filter((c) => c.target === 'redis').length },
    sessions: { started: s.sessionsStarted, ended: s.sessionsEnded, byStatus: report.sessionsByStatus, stuck: report.stuckSessions.length },
    uploads: {
      completed: s.uploadsCompleted,
      failed: s.uploadsFailed,
      completedAfterRetry: s.uploadsRetried,
      objectsChecked: report.objectsChecked,
      notWhole: report.brokenObjects.length,
    },
    locks: { doublyLocked: report.doublyLocked.length },
    flappingHeadset: { id: flapping.deviceId, drops: flapping.drops },
    webhooks: hooks.summary,
    clientErrors: s.errors,
    clientErrorKinds: Object.fromEntries([...s.errorKinds].sort(([, a], [, b]) => b - a)),
    lastClientError: s.lastError,
    serverRss: {
      afterWarmup: mb(rssStart),
      lastProcessPeakWithFleet: mb(rssCurrentWarm),
      beforeFleetStop: mb(rssBeforeStop),
      afterFleetStop: mb(rssEnd),
      lastServerStartSecondsBeforeEnd: Math.round((Date.now() - lastServerStart) / 1000),
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(failures.length ? `INVARIANTS FAILED:\n  ${failures.join('\n  ')}\n` : 'all invariants held\n');
  rmSync(work, { recursive: true, force: true });
  process.exit(failures.length ? 1 : 0);
}

/**
 * A leak shows as memory that stays up once the fleet has gone. Compared within
 * the last server process (the chaos restarts it): its highest memory with the
 * fleet connected, and its idle memory after the fleet left, may differ by at
 * most half again plus 64 MB (allocator and V8 heap headroom; the fleet's stop is
 * a burst of 50 uploads and verifications at once).
 */
function memoryNotBack(warm: number | undefined, end: number | undefined): string | false {
  if (warm === undefined || end === undefined) return false;
  const limit = warm * 1.5 + 64 * MiB;
  return (
    end > limit &&
    `server memory did not come back: ${Math.round(end / MiB)} MB after the fleet left, ${Math.round(warm / MiB)} MB at most with it`
  );
}

/** One headset drops off the network for 1.5 s every 4 s, for the whole run (until the fleet stops). */
function flap(fleet: SimulatedFleet) {
  const headset = fleet.headsets[0];
  const state = { deviceId: headset?.deviceId, drops: 0, timer: undefined as NodeJS.Timeout | undefined };
  state.timer = setInterval(() => {
    if (headset?.online) {
      headset.kill(1_500);
      state.drops++;
    }
  }, 4_000);
  return state;
}

/**
 * The healthy receiver got deliveries, every signature held, the hanging receiver did hang, and
 * it never cost the healthy one a delivery: every body the hanging one answered (on some attempt)
 * the healthy one had too.
 */
function webhookReport(r: SoakReceivers) {
  const missed = [...r.hanging.answeredBodies].filter((b) => !r.healthy.answeredBodies.has(b)).length;
  const failures = [
    r.healthy.answered === 0 && 'the healthy webhook receiver got no delivery',
    r.hanging.hung === 0 && 'the hanging webhook receiver never hung (the soak did not test it)',
    r.healthy.badSignatures + r.hanging.badSignatures > 0 &&
      `webhook signatures that did not verify: ${r.healthy.badSignatures + r.hanging.badSignatures}`,
    missed > 0 && `deliveries the healthy receiver missed while the other hung: ${missed}`,
  ].filter((f): f is string => typeof f === 'string');
  const counts = ({ requests, answered, hung }: SoakReceivers['healthy']) => ({ requests, answered, hung });
  return { failures, summary: { healthy: counts(r.healthy), hanging: counts(r.hanging), missedByHealthy: missed } };
}

function statsLine(fleet: SimulatedFleet): string {
  const s = fleet.stats;
  return `headsets ${s.headsetsOnline} sessions ${s.sessionsEnded}/${s.sessionsStarted} uploads ${s.uploadsCompleted} (${s.uploadsFailed} failed) errors ${s.errors}`;
}

process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));
void main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});

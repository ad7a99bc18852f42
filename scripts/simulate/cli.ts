import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CLOCK_DEFAULTS } from './device-clock';
import { FLEET_DEFAULTS, SimulatedFleet } from './fleet';
import { progressLine } from './stats';

/**
 * npm run simulate -- --url http://localhost:3200 --headsets 20 --tablets 2 [--api-key K]
 *   [--duration S] [--fps 30] [--session-seconds 20] [--video-mb 2] [--broken-share 0.2] [--prefix SIM] [--chaos]
 *   [--max-offset-ms 2000] [--max-drift-ppm 50] [--jitter-ms 2-20]
 * The admin key comes from --api-key or ADMIN_API_KEY. Ctrl-C stops cleanly:
 * sessions end, uploads finish, devices disconnect.
 */

const USAGE = `usage: npm run simulate -- --url http://localhost:3200 --headsets 20 --tablets 2 [--api-key KEY]
         [--duration SECONDS] [--fps 30] [--session-seconds 20] [--video-mb 2] [--broken-share 0.2] [--prefix SIM] [--chaos]
         [--max-offset-ms 2000] [--max-drift-ppm 50] [--jitter-ms 2-20]
  --api-key   the server's ADMIN_API_KEY (or set ADMIN_API_KEY); mints the devices' tokens
  --duration  stop after this many seconds (default: run until Ctrl-C)
  --fps       preview frames per headset per second (0: none)
  --broken-share  share of recordings deliberately broken (short video, truncated, hands out of frame);
              default 0 (a normal day), ${FLEET_DEFAULTS.brokenShare} with --chaos
  --video-mb  size of the placeholder video when ffmpeg is not installed (real MP4s are made with ffmpeg)
  --chaos     provoke alarms: every 20 s drain a battery, drop hand tracking, or kill a headset (docs/ALARMS.md)
  --max-offset-ms, --max-drift-ppm  each headset's clock is off by a random offset and drift up to these, either way
  --jitter-ms MIN-MAX  latency added to each round trip of a clock measurement (0-0: none)`;

const count = (max: number) => z.coerce.number().int().min(0).max(max);
const argsSchema = z.object({
  url: z.url({ message: '--url must be a URL like http://localhost:3200' }),
  headsets: count(1000).default(20),
  tablets: count(100).default(2),
  'api-key': z.string().min(1, { message: '--api-key (or ADMIN_API_KEY) is required' }),
  duration: z.coerce.number().positive().optional(),
  fps: z.coerce.number().min(0).max(120).default(FLEET_DEFAULTS.fps),
  'session-seconds': z.coerce.number().min(2).max(3600).default(FLEET_DEFAULTS.sessionSeconds),
  'video-mb': z.coerce
    .number()
    .positive()
    .max(10_240)
    .default(FLEET_DEFAULTS.videoBytes / 1024 / 1024),
  // A normal day breaks no take; --chaos breaks FLEET_DEFAULTS.brokenShare of them unless told otherwise.
  'broken-share': z.coerce.number().min(0).max(1).optional(),
  'max-offset-ms': z.coerce.number().min(0).max(86_400_000).default(CLOCK_DEFAULTS.maxOffsetMs),
  'max-drift-ppm': z.coerce.number().min(0).max(10_000).default(CLOCK_DEFAULTS.maxDriftPpm),
  'jitter-ms': z
    .string()
    .regex(/^\d{1,4}(\.\d+)?-\d{1,4}(\.\d+)?$/, { message: '--jitter-ms: MIN-MAX in ms, e.g. 2-20' })
    .transform((range) => range.split('-').map(Number) as [number, number])
    .refine(([min, max]) => min <= max, { message: '--jitter-ms: MIN must not exceed MAX' })
    .default([CLOCK_DEFAULTS.minJitterMs, CLOCK_DEFAULTS.maxJitterMs]),
  prefix: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, { message: '--prefix: up to 40 of a-z A-Z 0-9 _ -' })
    .default('SIM'),
});

const PROGRESS_INTERVAL_MS = 5_000;

async function main(): Promise<void> {
  let raw;
  try {
    const options = { type: 'string' } as const;
    raw = parseArgs({
      options: {
        url: options,
        headsets: options,
        tablets: options,
        'api-key': options,
        duration: options,
        fps: options,
        'session-seconds': options,
        'video-mb': options,
        'broken-share': options,
        prefix: options,
        'max-offset-ms': options,
        'max-drift-ppm': options,
        'jitter-ms': options,
        chaos: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
  if (raw.help) return void process.stdout.write(`${USAGE}\n`);
  const parsed = argsSchema.safeParse({
    url: 'http://localhost:3200',
    ...raw,
    'api-key': raw['api-key'] ?? process.env.ADMIN_API_KEY ?? '',
  });
  if (!parsed.success)
    return fail(
      parsed.error.issues.map((i) => (i.message.startsWith('--') ? i.message : `--${i.path.join('.')}: ${i.message}`)).join('; '),
    );
  const args = parsed.data;

  const log = (line: string) => process.stdout.write(`${line}\n`);
  const fleet = new SimulatedFleet({
    url: args.url,
    apiKey: args['api-key'],
    headsets: args.headsets,
    tablets: args.tablets,
    fps: args.fps,
    sessionSeconds: args['session-seconds'],
    videoBytes: Math.round(args['video-mb'] * 1024 * 1024),
    brokenShare: args['broken-share'] ?? (raw.chaos === true ? FLEET_DEFAULTS.brokenShare : 0),
    idPrefix: args.prefix,
    chaos: raw.chaos === true,
    clock: {
      maxOffsetMs: args['max-offset-ms'],
      maxDriftPpm: args['max-drift-ppm'],
      minJitterMs: args['jitter-ms'][0],
      maxJitterMs: args['jitter-ms'][1],
    },
    log,
  });
  log(
    `simulating ${args.headsets} headsets and ${args.tablets} tablets against ${args.url}${args.duration ? ` for ${args.duration} s` : ' (Ctrl-C to stop)'}`,
  );

  let previous = fleet.stats.snapshot();
  let previousAt = Date.now();
  const progress = setInterval(() => {
    const now = Date.now();
    log(progressLine(fleet.stats, previous, (now - previousAt) / 1000, args.headsets, args.tablets));
    previous = fleet.stats.snapshot();
    previousAt = now;
  }, PROGRESS_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log(`${why}: ending sessions, finishing uploads, disconnecting…`);
      clearInterval(progress);
      await fleet.stop();
      log(progressLine(fleet.stats, previous, (Date.now() - previousAt) / 1000, args.headsets, args.tablets));
      log('stopped');
    })());
  process.once('SIGINT', () => void stop('interrupted').then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop('terminated').then(() => process.exit(0)));
  if (args.duration) setTimeout(() => void stop(`${args.duration} s elapsed`).then(() => process.exit(0)), args.duration * 1000);

  try {
    await fleet.start();
  } catch (err) {
    await fleet.stop(0);
    clearInterval(progress);
    return fail(`could not start the fleet: ${(err as Error).message}`);
  }
}

function fail(message: string): void {
  process.stderr.write(`simulate: ${message}\n${USAGE}\n`);
  process.exitCode = 1;
}

void main();

/**
 * The benchmark's load: N headsets sending frames at a steady rate, each viewed
 * by one tablet, plus dashboards watching a few headsets each. Every frame
 * carries its send time, so each viewer measures end-to-end latency itself.
 */
import { percentile } from '../lib/process';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** How a relay is reached: the capture server and the bare relay each provide one. */
export interface Target {
  headset(id: string): Promise<{ send(frame: Buffer): void; backlog(): number; close(): void }>;
  /** A viewer of the given headsets (a tablet holds them, a dashboard watches them). */
  viewer(kind: 'tablet' | 'dashboard', id: string, deviceIds: string[], onFrame: (frame: Buffer) => void): Promise<{ close(): void }>;
}

export interface LoadShape {
  headsets: number;
  fps: number;
  frameBytes: number;
  dashboards: number;
  headsetsPerDashboard: number;
  warmupSeconds: number;
  seconds: number;
  /** Time after the last frame for frames still on their way. */
  drainSeconds: number;
}

/** One run's raw measurements; several runs of the same relay pool into one LoadResult. */
export interface LoadSample {
  seconds: number;
  /** Frames the headsets sent during the measured window. */
  sent: number;
  /** Copies the viewers should have received of those frames. */
  expected: number;
  /** Latency of every copy received (ms). */
  latencies: Float64Array;
  /** The load generator's own event-loop delay, p99 (ms): high values mean this process, not the relay, added latency. */
  generatorLagP99: number;
  /** Most bytes a headset's socket held unsent here (the relay not reading fast enough). */
  maxSendBacklog: number;
}

export interface LoadResult {
  offeredPerSecond: number;
  /** Frames viewers received per second (each viewer's copy counts). */
  deliveredPerSecond: number;
  /** Received / expected copies of the frames sent in the window. */
  deliveredRatio: number;
  p50: number;
  p95: number;
  p99: number;
  generatorLagP99: number;
  maxSendBacklog: number;
}

export function summarize(samples: LoadSample[]): LoadResult {
  const seconds = samples.reduce((n, s) => n + s.seconds, 0);
  const expected = samples.reduce((n, s) => n + s.expected, 0);
  const sorted = new Float64Array(samples.reduce((n, s) => n + s.latencies.length, 0));
  let at = 0;
  for (const s of samples) {
    sorted.set(s.latencies, at);
    at += s.latencies.length;
  }
  sorted.sort();
  return {
    offeredPerSecond: samples.reduce((n, s) => n + s.sent, 0) / seconds,
    deliveredPerSecond: sorted.length / seconds,
    deliveredRatio: expected === 0 ? 0 : sorted.length / expected,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    generatorLagP99: Math.max(...samples.map((s) => s.generatorLagP99)),
    maxSendBacklog: Math.max(...samples.map((s) => s.maxSendBacklog)),
  };
}

/** Frame header: send time (float64, ms on this process's clock), headset index (uint32). */
const HEADER = 12;

export const headsetId = (i: number) => `QUEST_${String(i).padStart(4, '0')}`;

/** Runs `make` for each index, at most `limit` at a time (connection storms would measure the accept queue). */
async function inBatches<T>(count: number, limit: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += limit) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(limit, count - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

export async function runLoad(target: Target, shape: LoadShape, onWindow: (phase: 'start' | 'end') => void): Promise<LoadSample> {
  const n = shape.headsets;
  const viewersOf = new Array<number>(n).fill(1);
  const watched: string[][] = [];
  for (let d = 0; d < shape.dashboards; d++) {
    const ids: string[] = [];
    for (let k = 0; k < shape.headsetsPerDashboard && d * shape.headsetsPerDashboard + k < n; k++) {
      const h = d * shape.headsetsPerDashboard + k;
      ids.push(headsetId(h));
      viewersOf[h]! += 1;
    }
    watched.push(ids);
  }

  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const latencies: number[] = [];
  const onFrame = (frame: Buffer) => {
    const sentAt = frame.readDoubleLE(0);
    if (sentAt >= windowStart && sentAt <= windowEnd) latencies.push(performance.now() - sentAt);
  };

  const closers: Array<{ close(): void }> = [];
  try {
    // Headsets first: a tablet can only lock a headset that is online.
    const headsets = await inBatches(n, 25, (i) => target.headset(headsetId(i)));
    closers.push(...headsets);
    closers.push(...(await inBatches(n, 25, (i) => target.viewer('tablet', `TABLET_${i}`, [headsetId(i)], onFrame))));
    for (const [d, ids] of watched.entries()) closers.push(await target.viewer('dashboard', `DASH_${d}`, ids, onFrame));

    const filler = randomBytes(shape.frameBytes);
    const interval = 1000 / shape.fps;
    const began = performance.now();
    // Headsets are spread over the frame interval, as independent devices are.
    const due = Array.from({ length: n }, (_, i) => began + (i / n) * interval);
    let expected = 0;
    let sentInWindow = 0;
    let maxSendBacklog = 0;
    const lag = monitorEventLoopDelay({ resolution: 5 });
    const pace = setInterval(() => {
      const now = performance.now();
      for (let i = 0; i < n; i++) {
        if (now < due[i]!) continue;
        // A camera does not queue frames it could not send on time: a late sender skips
        // the slots it missed and keeps its cadence.
        due[i] = due[i]! + interval * (Math.floor((now - due[i]!) / interval) + 1);
        const frame = Buffer.allocUnsafe(shape.frameBytes);
        filler.copy(frame, HEADER, HEADER);
        frame.writeDoubleLE(now, 0);
        frame.writeUInt32LE(i, 8);
        if (now >= windowStart && now <= windowEnd) {
          expected += viewersOf[i]!;
          sentInWindow += 1;
          maxSendBacklog = Math.max(maxSendBacklog, headsets[i]!.backlog());
        }
        headsets[i]!.send(frame);
      }
    }, 1);

    await sleep(shape.warmupSeconds * 1000);
    windowStart = performance.now();
    lag.enable();
    onWindow('start');
    await sleep(shape.seconds * 1000);
    windowEnd = performance.now();
    lag.disable();
    onWindow('end');
    clearInterval(pace);
    await sleep(shape.drainSeconds * 1000);

    return {
      seconds: (windowEnd - windowStart) / 1000,
      sent: sentInWindow,
      expected,
      latencies: Float64Array.from(latencies),
      generatorLagP99: lag.percentile(99) / 1e6,
      maxSendBacklog,
    };
  } finally {
    for (const c of closers) c.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

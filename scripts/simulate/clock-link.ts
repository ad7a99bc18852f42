import type { DeviceClock } from './device-clock';
import type { DeviceSocket } from './socket';

/** What a start command asks of a headset: no payload (at once), or a synchronized start at a time of its own clock. */
export type StartPlan = { startAtDeviceTime?: number } | undefined;

/** Runs `fn` after `ms` of simulated latency; at once (in this turn) when there is none. */
export function afterLatency(ms: number, fn: () => void): NodeJS.Timeout | undefined {
  if (ms <= 0) {
    fn();
    return undefined;
  }
  const timer = setTimeout(fn, ms);
  timer.unref();
  return timer;
}

/**
 * The headset's side of the server's clock measurement (docs/CLOCK.md): the
 * request takes one leg of the link's latency to arrive, the headset reads its
 * own clock as it handles it, and the answer takes another leg back.
 */
export function answerTimeSync(socket: DeviceSocket, clock: DeviceClock): void {
  socket.on('on-time-sync', (_request, ack) => {
    afterLatency(clock.legDelayMs(), () => {
      const deviceTime = clock.now();
      afterLatency(clock.legDelayMs(), () => ack({ deviceTime }));
    });
  });
}

/** A timer fires a millisecond or two off: a synchronized start sleeps until this long before, then watches the clock. */
const SPIN_MS = 2;
/**
 * Starts due within this long of the first are watched for in the same wake-up (the headsets'
 * estimates differ by up to their uncertainty, CLOCK_MAX_UNCERTAINTY_MS at most): a second timer
 * on a busy machine may fire tens of milliseconds late, which a headset of its own would not.
 */
const WATCH_MS = 25;

/** A start still to come; cancel() forgets it. */
export interface PendingStart {
  cancel(): void;
}

interface Waiting {
  clock: DeviceClock;
  startAt: number;
  /** When it is due, on this process's monotonic clock (performance.now()). */
  dueAt: number;
  start: (startedAtDeviceTime: number) => void;
}

/**
 * The synchronized starts of every simulated headset of this process. Real
 * headsets each have a CPU of their own; here they share one event loop with
 * each other (and, in bench:clock, with the server), so a timer per headset
 * would start them one after another, each behind the others' work (and a
 * busy machine's late timers). Instead one timer wakes just before the
 * earliest start, and each start due within WATCH_MS of it is stamped the
 * moment its own clock reaches its time, as on its own device; the headsets
 * then act on their starts (and report them) in turn.
 */
class StartScheduler {
  private waiting: Waiting[] = [];
  private timer?: NodeJS.Timeout;
  /**
   * What a busy machine did to the starts since reset(): how late the wake-up came after the
   * first start was due, and the longest this process was away (descheduled) while watching.
   */
  readonly lateness = { wakeMs: 0, stallMs: 0 };

  resetLateness(): void {
    this.lateness.wakeMs = 0;
    this.lateness.stallMs = 0;
  }

  add(waiting: Waiting): PendingStart {
    this.waiting.push(waiting);
    this.waiting.sort((a, b) => a.dueAt - b.dueAt);
    this.arm();
    return {
      cancel: () => {
        this.waiting = this.waiting.filter((w) => w !== waiting);
        this.arm();
      },
    };
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const first = this.waiting[0];
    if (!first) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.dueAt - performance.now() - SPIN_MS));
    this.timer.unref();
  }

  private fire(): void {
    const started: Array<[Waiting, number]> = [];
    let last = performance.now();
    const away = () => {
      const now = performance.now();
      this.lateness.stallMs = Math.max(this.lateness.stallMs, now - last);
      last = now;
      return now;
    };
    if (this.waiting[0]) this.lateness.wakeMs = Math.max(this.lateness.wakeMs, last - this.waiting[0].dueAt);
    // A timer may fire early (its loop's time was stale): only the starts due soon are watched for.
    const watchUntil = last + WATCH_MS;
    while (this.waiting.length > 0 && this.waiting[0]!.dueAt <= watchUntil) {
      const next = this.waiting.shift()!;
      const giveUpAt = next.dueAt + SPIN_MS;
      while (next.clock.now() < next.startAt && away() < giveUpAt) {
        /* watching its clock */
      }
      started.push([next, next.clock.now()]);
      away();
    }
    for (const [waiting, at] of started) waiting.start(at);
    this.arm();
  }
}

const scheduler = new StartScheduler();

/** How late this process's synchronized starts were for reasons of the machine (see StartScheduler.lateness); reset() starts again. */
export const startLateness = {
  get wakeMs(): number {
    return scheduler.lateness.wakeMs;
  },
  get stallMs(): number {
    return scheduler.lateness.stallMs;
  },
  reset: (): void => scheduler.resetLateness(),
};

/**
 * A start as a headset app does it (docs/CLOCK.md): a plan with
 * `startAtDeviceTime` starts when the headset's clock reads that (at once if
 * that is past), anything else at once. `start` is called with the headset's
 * clock when it really started.
 */
export function scheduleStart(clock: DeviceClock, plan: StartPlan, start: (startedAtDeviceTime: number) => void): PendingStart {
  const startAt = plan?.startAtDeviceTime;
  const wait = typeof startAt === 'number' && Number.isFinite(startAt) ? clock.msUntil(startAt) : 0;
  if (wait <= 0) {
    start(clock.now());
    return { cancel: () => undefined };
  }
  return scheduler.add({ clock, startAt: startAt!, dueAt: performance.now() + wait, start });
}

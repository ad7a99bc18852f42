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

/** A start still to come; cancel() forgets it. */
export interface PendingStart {
  cancel(): void;
}

/**
 * A start as a headset app does it (docs/CLOCK.md): a plan with
 * `startAtDeviceTime` starts when the headset's clock reads that (at once if
 * that is past): sleeps until just before, then watches the clock; anything
 * else starts at once. `start` is called with the headset's clock when it
 * really started.
 */
export function scheduleStart(clock: DeviceClock, plan: StartPlan, start: (startedAtDeviceTime: number) => void): PendingStart {
  let timer: NodeJS.Timeout | undefined;
  const startAt = plan?.startAtDeviceTime;
  const wait = () => {
    const left = clock.msUntil(startAt!);
    // A timer may fire early (its loop's time was stale): sleep again until the watch is short.
    if (left > SPIN_MS) timer = afterLatency(left - SPIN_MS, wait);
    else {
      timer = undefined;
      while (clock.now() < startAt!) {
        /* watching the clock, for at most SPIN_MS */
      }
      start(clock.now());
    }
  };
  if (typeof startAt === 'number' && Number.isFinite(startAt)) wait();
  else start(clock.now());
  return { cancel: () => clearTimeout(timer) };
}

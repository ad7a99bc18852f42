import type { Logger } from 'pino';
import { serverEvents } from '../protocol';
import type { CaptureSocket } from '../realtime/types';
import type { ClockEstimate } from '../domain/clock';
import type { WallClock } from '../util/wall-clock';
import { ClockWindow } from './clock-window';

/** Exchanges at identify, one after another, before the first estimate. */
export const BURST_EXCHANGES = 8;
/** A headset that did not answer this many times running is asked only every BACKOFF_INTERVALS intervals. */
const MAX_MISSES = 3;
const BACKOFF_INTERVALS = 10;

export interface TimeSyncOptions {
  /** CLOCK_SYNC_INTERVAL_MS: one exchange per headset this often after the burst. */
  intervalMs: number;
  /** How long an exchange waits for the headset's answer. */
  timeoutMs: number;
  clock: WallClock;
  logger: Logger;
  /** A new estimate of a headset's clock (after the burst, then after each exchange). */
  measured(deviceId: string, estimate: ClockEstimate): Promise<void>;
}

interface Tracked {
  socket: CaptureSocket;
  deviceId: string;
  window: ClockWindow;
  nextAt: number;
  busy: boolean;
  misses: number;
}

/**
 * Measures the clocks of the headsets connected to this process: on
 * identify a burst of exchanges, then one exchange per headset every
 * interval, all from one timer (tick). An exchange is `on-time-sync
 * { serverTime }`, answered by the headset's acknowledgement `{ deviceTime }`;
 * the server times it. A headset that never answers stays unmeasured and
 * costs one message an interval, then fewer.
 */
export class TimeSync {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly options: TimeSyncOptions) {}

  get size(): number {
    return this.tracked.size;
  }

  /** A headset identified on this socket: measure it now, then every interval. */
  track(socket: CaptureSocket, deviceId: string): void {
    const entry: Tracked = { socket, deviceId, window: new ClockWindow(), nextAt: Number.POSITIVE_INFINITY, busy: true, misses: 0 };
    this.tracked.set(socket.id, entry);
    void this.burst(entry);
  }

  forget(socketId: string): void {
    this.tracked.delete(socketId);
  }

  /** One exchange with each headset whose turn it is. */
  async tick(): Promise<void> {
    const now = this.options.clock.now();
    const due = [...this.tracked.values()].filter((t) => !t.busy && t.nextAt <= now);
    await Promise.all(
      due.map(async (entry) => {
        entry.busy = true;
        const answered = await this.exchange(entry);
        entry.busy = false;
        this.schedule(entry, answered);
        if (answered) await this.report(entry);
      }),
    );
  }

  private async burst(entry: Tracked): Promise<void> {
    let answered = false;
    for (let i = 0; i < BURST_EXCHANGES && this.tracked.get(entry.socket.id) === entry; i++) {
      // A headset that does not speak time sync is not asked seven more times.
      if (!(await this.exchange(entry))) break;
      answered = true;
    }
    entry.busy = false;
    this.schedule(entry, answered);
    if (answered) await this.report(entry);
  }

  private schedule(entry: Tracked, answered: boolean): void {
    entry.misses = answered ? 0 : entry.misses + 1;
    const intervals = entry.misses >= MAX_MISSES ? BACKOFF_INTERVALS : 1;
    entry.nextAt = this.options.clock.now() + intervals * this.options.intervalMs;
  }

  /** Whether the headset answered in time with a well-formed device time. */
  private async exchange(entry: Tracked): Promise<boolean> {
    const { socket } = entry;
    if (!socket.connected) return false;
    const sentAt = this.options.clock.now();
    try {
      const answer: unknown = await socket.timeout(this.options.timeoutMs).emitWithAck('on-time-sync', { serverTime: sentAt });
      const receivedAt = this.options.clock.now();
      const parsed = serverEvents['on-time-sync'].answer.safeParse(answer);
      if (!parsed.success) return false;
      entry.window.add({ sentAt, receivedAt, deviceTime: parsed.data.deviceTime });
      return true;
    } catch {
      // No answer within the timeout (or the socket went away): an older app, or a bad link.
      return false;
    }
  }

  private async report(entry: Tracked): Promise<void> {
    const estimate = entry.window.estimate(this.options.clock.now());
    if (!estimate) return;
    try {
      await this.options.measured(entry.deviceId, estimate);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, deviceId: entry.deviceId }, 'could not keep a clock estimate');
    }
  }
}

/** Why a frame was not relayed (the `reason` label of turing_frames_dropped_total). */
export type FrameDropReason = 'throttle' | 'overflow' | 'oversize' | 'not_identified' | 'invalid';

export interface FrameRelayLimits {
  /**
   * Per headset at most one frame per throttleMs on average; one frame may come
   * that much early (so jitter does not cost a steady stream frames). Later ones are dropped.
   */
  throttleMs: number;
  /** How often the queued frames of every headset go out. */
  batchIntervalMs: number;
  /** Frames queued per headset between two flushes; beyond it the oldest is dropped. */
  maxBatchSize: number;
}

export interface FrameRelayHooks<F> {
  /**
   * Sends one frame to the headset's viewers. May return a promise: the next
   * frame is delivered only after it settles.
   */
  deliver(deviceId: string, frame: F, bytes: number): void | Promise<void>;
  dropped(reason: FrameDropReason): void;
  /** How many frames one headset's flush carried. */
  flushed(deviceId: string, count: number): void;
  /** A delivery threw; the relay goes on with the next frame. */
  failed(err: unknown): void;
  now?: () => number;
}

interface Queued<F> {
  frame: F;
  bytes: number;
}

interface HeadsetStream<F> {
  /** Who sends this headset's frames (a socket ID), so a late disconnect of an old connection does not clear a new one. */
  source: string;
  /** When the next frame is due at the throttle's pace (virtual scheduling, as in GCRA). */
  dueAt: number;
  queue: Array<Queued<F>>;
}

/**
 * The live-preview relay: per headset a throttle and a bounded queue, and one
 * timer for all headsets that flushes every queue in arrival order. Under
 * pressure it drops frames (freshness beats completeness); memory is bounded
 * by headsets x maxBatchSize x the frame size limit.
 */
export class FrameRelay<F> {
  private readonly streams = new Map<string, HeadsetStream<F>>();
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private flushing = false;
  private stopped = false;

  constructor(
    private readonly limits: FrameRelayLimits,
    private readonly hooks: FrameRelayHooks<F>,
  ) {
    this.now = hooks.now ?? Date.now;
  }

  /** Offers a frame from a headset; answers whether it was queued or why it was dropped. */
  submit(deviceId: string, source: string, frame: F, bytes: number): FrameDropReason | undefined {
    const at = this.now();
    let stream = this.streams.get(deviceId);
    if (!stream) {
      stream = { source, dueAt: Number.NEGATIVE_INFINITY, queue: [] };
      this.streams.set(deviceId, stream);
    }
    stream.source = source;
    // A frame one interval early passes: two frames of a steady stream that reach
    // the server together (network or event-loop jitter) both go through.
    if (at < stream.dueAt - this.limits.throttleMs) return this.drop('throttle');
    stream.dueAt = Math.max(stream.dueAt, at) + this.limits.throttleMs;
    stream.queue.push({ frame, bytes });
    if (stream.queue.length > this.limits.maxBatchSize) {
      stream.queue.shift();
      this.drop('overflow');
    }
    this.ensureTimer();
    return undefined;
  }

  /** Frees a headset's state (it disconnected); queued frames are dropped unsent. Answers whether it was this source's. */
  forget(deviceId: string, source: string): boolean {
    return this.streams.get(deviceId)?.source === source && this.streams.delete(deviceId);
  }

  /** Headsets with state held (for tests and diagnostics). */
  get size(): number {
    return this.streams.size;
  }

  /** Sends every queued frame, headset by headset, each headset's frames in arrival order. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      await this.sendQueued();
    } finally {
      this.flushing = false;
    }
  }

  /** Stops the timer for good (server shutdown). */
  stop(): void {
    this.stopped = true;
    this.stopTimer();
    this.streams.clear();
  }

  private async sendQueued(): Promise<void> {
    const batches: Array<[string, Array<Queued<F>>]> = [];
    for (const [deviceId, stream] of this.streams) {
      if (stream.queue.length === 0) continue;
      batches.push([deviceId, stream.queue]);
      stream.queue = [];
    }
    // Nothing to send: the timer stops until the next accepted frame.
    if (batches.length === 0) this.stopTimer();
    for (const [deviceId, batch] of batches) {
      this.hooks.flushed(deviceId, batch.length);
      for (const { frame, bytes } of batch) {
        try {
          await this.hooks.deliver(deviceId, frame, bytes);
        } catch (err) {
          this.hooks.failed(err);
        }
      }
    }
  }

  private drop(reason: FrameDropReason): FrameDropReason {
    this.hooks.dropped(reason);
    return reason;
  }

  private ensureTimer(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.flush(), this.limits.batchIntervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

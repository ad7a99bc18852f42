import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { TelemetrySample, TimelineEntry, TimelineEntryInput, TimelineStore } from '../state/types';

/** Entries waiting for their write at most; beyond, new ones are dropped and counted (an outage must not grow memory). */
export const MAX_PENDING_ENTRIES = 10_000;

export interface TimelineWriterOptions {
  logger: Logger;
  /** Entries written, and entries lost (the store failed, or too many waited). */
  written: Counter<'outcome'>;
  /** Called with each batch once stored (live delivery to watching dashboards). */
  onWritten?: (entries: TimelineEntry[]) => void;
}

/**
 * Writes timeline and audit entries off the path of the action they record:
 * `record` only queues; everything queued in one turn of the event loop is
 * written together (one pipeline, one round trip). A failed write is logged
 * and counted, never thrown, so the log never blocks or fails the action.
 */
export class TimelineWriter {
  private queue: TimelineEntryInput[] = [];
  private samples: TelemetrySample[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: TimelineStore,
    private readonly options: TimelineWriterOptions,
  ) {}

  record(entry: TimelineEntryInput): void {
    if (this.queue.length >= MAX_PENDING_ENTRIES) {
      this.options.written.inc({ outcome: 'dropped' });
      return;
    }
    this.queue.push(entry);
    this.schedule();
  }

  /** A telemetry history sample (one a minute per device), written with the next batch. */
  sample(sample: TelemetrySample): void {
    if (this.samples.length >= MAX_PENDING_ENTRIES) return;
    this.samples.push(sample);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flushing = this.flushing.then(() => this.flush());
      });
    }
  }

  /** Resolves once everything recorded so far has been written (or given up). */
  async drained(): Promise<void> {
    while (this.scheduled || this.queue.length > 0 || this.samples.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    const samples = this.samples;
    this.queue = [];
    this.samples = [];
    if (samples.length > 0) {
      await this.store.appendSamples(samples).catch((err: Error) => {
        this.options.written.inc({ outcome: 'failed' }, samples.length);
        this.options.logger.warn({ err: err.message, samples: samples.length }, 'could not write telemetry history samples');
      });
    }
    if (batch.length === 0) return;
    try {
      const written = await this.store.append(batch);
      this.options.written.inc({ outcome: 'written' }, batch.length);
      this.options.onWritten?.(written);
    } catch (err) {
      this.options.written.inc({ outcome: 'failed' }, batch.length);
      this.options.logger.warn({ err: (err as Error).message, entries: batch.length }, 'could not write timeline entries; they are lost');
    }
  }
}

import { Gauge, type Registry } from 'prom-client';

/** The uploads feature's gauges, kept current from the store's in-progress records. */
export interface UploadGauges {
  /** Uploads in progress, and the start (ms) of the oldest of them. */
  inProgress(count: number, oldestStartedAt: number | undefined): void;
}

export function registerUploadGauges(registry: Registry): UploadGauges {
  const registers = [registry];
  let oldestStartedAt: number | undefined;
  const count = new Gauge({ name: 'turing_uploads_in_progress', help: 'Uploads in progress', registers });
  new Gauge({
    name: 'turing_uploads_oldest_age_seconds',
    help: 'Age of the oldest upload still in progress (0 when none)',
    registers,
    // Computed at scrape time, so the age keeps growing between upload events.
    collect() {
      this.set(oldestStartedAt === undefined ? 0 : Math.max(0, (Date.now() - oldestStartedAt) / 1000));
    },
  });
  return {
    inProgress(n, oldest) {
      count.set(n);
      oldestStartedAt = oldest;
    },
  };
}

import { Gauge, Histogram, type Registry } from 'prom-client';
import type { RecordingCounts, Store } from '../state';

export interface RecordingMetrics {
  verificationSeconds: Histogram<'verdict'>;
}

/**
 * turing_recordings{state} and turing_recordings_by_verdict{verdict} read the
 * store's kept counts at scrape time (a count, nothing walked), so every
 * process reports the cluster's figures; turing_recording_verification_seconds
 * times the integrity gate.
 */
export function registerRecordingMetrics(registry: Registry, store: Store): RecordingMetrics {
  // Both gauges are collected together on a scrape: they share one read of the counts.
  let reading: Promise<RecordingCounts | null> | undefined;
  const counts = () =>
    (reading ??= store.recordings
      .counts()
      .catch(() => null)
      .finally(() => (reading = undefined)));
  new Gauge({
    name: 'turing_recordings',
    help: 'Recordings by state (recording, uploading, verifying, verified, rejected, incomplete)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) for (const [state, n] of Object.entries(c.byState)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'turing_recordings_by_verdict',
    help: 'Verified recordings by verdict (pass, fail)',
    labelNames: ['verdict'],
    registers: [registry],
    async collect() {
      const c = await counts();
      if (c) for (const [verdict, n] of Object.entries(c.byVerdict)) this.set({ verdict }, n);
    },
  });
  return {
    verificationSeconds: new Histogram({
      name: 'turing_recording_verification_seconds',
      help: 'Time the integrity gate took per recording (hashing, MP4 and NPZ checks)',
      labelNames: ['verdict'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}

import type { FeatureFactory } from '../feature/feature';
import { PeriodicTask } from '../util/periodic-task';
import { registerRecordingMetrics } from './recording-gauges';
import { recordingRouteDocs, recordingRoutes } from './recording-routes';
import { RecordingService } from './recording-service';
import { recordingSocket } from './recording-socket';
import './events';

export { RecordingService } from './recording-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Recording records, their integrity gate and curation. */
    recordings: RecordingService;
  }
}

/**
 * Recordings: one record per take, driven by recording and upload events;
 * the integrity gate and its verdict (on-recording-verdict); curation,
 * export and the manifest beside the files; the leased sweep that resumes
 * verifications and closes takes whose files never came.
 */
export const recordings: FeatureFactory = (ctx) => {
  const { config } = ctx;
  const service = new RecordingService({
    store: ctx.store,
    storage: ctx.storage,
    events: ctx.events,
    logger: ctx.logger,
    metrics: registerRecordingMetrics(ctx.metrics.registry, ctx.store),
    config: config.recordings,
    quality: config.quality,
    instanceId: ctx.instanceId,
  });
  const sweep = new PeriodicTask(
    'recording-sweep',
    config.recordings.sweepIntervalMs,
    async () => void (await service.sweep()),
    ctx.logger,
    ctx.lease,
  );
  return {
    name: 'recordings',
    provides: { recordings: service },
    routes: recordingRoutes(ctx.auth, service),
    routeDocs: recordingRouteDocs,
    sockets: [recordingSocket(ctx.broadcast, ctx.events, service)],
    tasks: [sweep],
    // Once at start too: verifications a stopped process left are resumed now, not a sweep interval later.
    start: () => void sweep.runOnce(),
    stop: () => service.stop(),
  };
};

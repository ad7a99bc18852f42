import type { FeatureFactory } from '../feature/feature';
import { PeriodicTask } from '../util/periodic-task';
import { registerRecordingMetrics } from './recording-gauges';
import { recordingRouteDocs, recordingRoutes } from './recording-routes';
import { RecordingService } from './recording-service';
import { recordingSocket } from './recording-socket';
import { RecordQuota } from './record-quota';
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
  const quota = new RecordQuota(ctx.store, config.recordings.awaitingFilesPerDevice, ctx.logger.child({ component: 'recordings' }));
  // An upload that would open a record beyond the headset's cap is refused before it starts.
  ctx.services.get('uploads').guardStarts((key, uploader) => quota.guardUpload(key, uploader));
  const service = new RecordingService({
    store: ctx.store,
    storage: ctx.storage,
    events: ctx.events,
    logger: ctx.logger,
    metrics: registerRecordingMetrics(ctx.metrics.registry, ctx.store),
    config: config.recordings,
    quality: config.quality,
    instanceId: ctx.instanceId,
    quota,
  });
  const sweep = new PeriodicTask(
    'recording-sweep',
    config.recordings.sweepIntervalMs,
    async () => void (await service.sweep()),
    ctx.logger,
    ctx.lease,
  );
  // Every process may flush: taking a window's summary is atomic in the store.
  const notices = new PeriodicTask(
    'recording-notices',
    Math.max(1_000, Math.min(10_000, Math.floor(config.recordings.noticeWindowMs / 6))),
    async () => void (await service.notice.flush()),
    ctx.logger,
  );
  return {
    name: 'recordings',
    provides: { recordings: service },
    routes: recordingRoutes(ctx.auth, service, ctx.config.limits.pageMaxBytes),
    routeDocs: recordingRouteDocs,
    sockets: [recordingSocket(ctx.broadcast, ctx.events, service)],
    tasks: config.recordings.noticeWindowMs > 0 ? [sweep, notices] : [sweep],
    // Once at start too: verifications a stopped process left are resumed now, not a sweep interval later.
    start: () => void sweep.runOnce(),
    stop: () => service.stop(),
  };
};

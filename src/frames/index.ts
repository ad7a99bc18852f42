import { Gauge } from 'prom-client';
import type { FeatureFactory } from '../feature/feature';
import { frameSocket } from './frame-socket';

/**
 * The live preview: headsets' frames relayed to their viewers, throttled and
 * bounded per headset, dropped (never queued) under pressure.
 */
export const frames: FeatureFactory = (ctx) => {
  const { limits } = ctx.config;
  const socket = frameSocket(
    ctx.io,
    {
      maxFrameBytes: limits.maxFrameBytes,
      throttleMs: limits.frameThrottleMs,
      batchIntervalMs: limits.frameBatchIntervalMs,
      maxBatchSize: limits.maxFrameBatchSize,
    },
    ctx.metrics,
    ctx.logger.child({ component: 'realtime' }),
    ctx.services.get('frameActivity'),
  );
  return {
    name: 'frames',
    sockets: [socket],
    registerGauges(registry) {
      new Gauge({
        name: 'turing_frame_streams',
        help: 'Headsets whose live-frame state (throttle, queue) this process holds',
        registers: [registry],
        collect() {
          this.set(socket.streams);
        },
      });
    },
  };
};

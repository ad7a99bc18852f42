import type { Logger } from 'pino';
import { frameBytes } from './frame-payload';
import { FrameRelay, type FrameDropReason, type FrameRelayLimits } from './frame-relay';
import { PreviewRates } from './preview-rates';
import type { Metrics } from '../metrics';
import type { FramePayload } from '../protocol';
import { DomainError, type ErrorCode } from '../domain/errors';
import type { SocketModule } from '../realtime/socket-module';
import { rooms, watchersOf } from '../realtime/rooms';
import type { CaptureIo } from '../realtime/types';

export interface FrameLimits extends FrameRelayLimits {
  /** Larger frames are dropped (the socket stays connected). */
  maxFrameBytes: number;
}

/**
 * Socket.IO reads a viewer's transport as busy from one send until the kernel
 * has taken it, which is reported on the next tick; a volatile packet sent to a
 * busy transport is discarded. Waiting one tick between frames lets a viewer
 * that keeps up take every frame (a tablet holding several headsets gets
 * several per flush), while one whose socket buffer is full still loses them.
 */
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

/**
 * `headset-frame` in, `on-headset-frame-updated` out: the Socket.IO side of
 * the live-preview relay. Frames bypass the control-event gate (no rate limit,
 * no schema): at 30 fps per headset the check is a type and size test.
 */
/** Where a frame's sign of life goes (fleet/frame-activity.ts); must be cheap, it runs per frame. */
export interface FrameActivitySink {
  note(deviceId: string): void;
}

/** The frame relay's socket module, and how many headsets' streams it holds (turing_frame_streams). */
export interface FrameSocket extends SocketModule {
  readonly streams: number;
}

export function frameSocket(
  io: CaptureIo,
  limits: FrameLimits,
  metrics: Metrics,
  logger: Logger,
  activity: FrameActivitySink,
): FrameSocket {
  // The labelled child is looked up once, not per frame.
  const sentMessages = metrics.socketMessages.labels({ event_type: 'on-headset-frame-updated', direction: 'out' });
  const previews = new PreviewRates();
  const relay = new FrameRelay<FramePayload>(limits, {
    deliver(deviceId, frame, bytes) {
      // One broadcast, encoded once for every viewer; volatile, so a slow viewer loses frames instead of queueing them.
      io.to(watchersOf(deviceId)).volatile.emit('on-headset-frame-updated', frame, deviceId);
      // Preview viewers get the frames their rate allows: one broadcast per rate due, never per viewer.
      const due = previews.due(deviceId, Date.now());
      if (due.length) io.to(due.map((fps) => rooms.preview(deviceId, fps))).volatile.emit('on-headset-frame-updated', frame, deviceId);
      metrics.framesRelayed.inc();
      metrics.frameBytesRelayed.inc(bytes);
      sentMessages.inc();
      return nextTick();
    },
    dropped: (reason) => metrics.framesDropped.inc({ reason }),
    flushed: (_deviceId, count) => metrics.frameBatchSize.observe(count),
    failed: (err) => logger.error({ err }, 'live frame delivery failed'),
  });

  const refuse = (reason: FrameDropReason & ErrorCode, message: string): never => {
    metrics.framesDropped.inc({ reason });
    throw new DomainError(reason, message);
  };

  return {
    register(socket, router) {
      router.onHot(
        'headset-frame',
        (frame) => {
          const deviceId = socket.data.identifiedDeviceId;
          if (!deviceId || socket.data.deviceType !== 'headset') return refuse('not_identified', 'send headset-identify first');
          // Any frame, even one the relay drops, shows the headset is alive.
          activity.note(deviceId);
          const bytes = frameBytes(frame);
          if (!bytes) return refuse('invalid', 'a frame is a non-empty base64 JPEG string or binary');
          if (bytes > limits.maxFrameBytes) {
            return refuse('oversize', `frame of ${bytes} bytes is over the ${limits.maxFrameBytes} byte limit`);
          }
          const dropped = relay.submit(deviceId, socket.id, frame as FramePayload, bytes);
          // Flow control, not an error: answered only to a client that asked for an ack. Its own code, frame_dropped,
          // not rate_limited: the headset should simply send its next frame, never resend this one or back off.
          return dropped ? { ok: false, code: 'frame_dropped', error: `frame dropped (${dropped})` } : { ok: true };
        },
        // Ready once identified: frames sent right behind headset-identify wait for it instead of being refused.
        () => socket.data.identifiedDeviceId !== undefined,
      );
      socket.on('disconnect', () => {
        const deviceId = socket.data.identifiedDeviceId;
        if (deviceId && relay.forget(deviceId, socket.id)) previews.forget(deviceId);
      });
    },
    stop: () => relay.stop(),
    get streams() {
      return relay.size;
    },
  };
}

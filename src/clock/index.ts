import { Gauge } from 'prom-client';
import type { FeatureFactory } from '../feature/feature';
import { PeriodicTask } from '../util/periodic-task';
import { WallClock } from '../util/wall-clock';
import { ClockService } from './clock-service';
import { clockStores } from './clock-store';
import { TimeSync } from './time-sync';
import './events';

export { ClockService } from './clock-service';

declare module '../feature/services' {
  interface FeatureServices {
    /** Headset clocks as the server measures them, and conversions between server and headset time. */
    clock: ClockService;
  }
}

/** How often the measuring timer looks for headsets whose turn it is. */
const TICK_MS = 1_000;

/**
 * One clock for the fleet: the server measures each identified headset's
 * clock (a burst at identify, then one exchange every CLOCK_SYNC_INTERVAL_MS),
 * keeps the estimate in the store for every process, shows it in the device
 * views, and raises clock_unsynced when it is not sure enough (docs/CLOCK.md).
 */
export const clock: FeatureFactory = (ctx) => {
  const { config, events } = ctx;
  const logger = ctx.logger.child({ component: 'clock' });
  const service = new ClockService({
    store: ctx.store.extend(clockStores),
    events,
    alarms: ctx.services.get('alarms'),
    broadcast: ctx.broadcast,
    logger,
    maxUncertaintyMs: config.clock.maxUncertaintyMs,
  });
  const wallClock = new WallClock();
  const sync = new TimeSync({
    intervalMs: config.clock.syncIntervalMs,
    timeoutMs: config.clock.syncTimeoutMs,
    clock: wallClock,
    logger,
    measured: (deviceId, estimate) => service.measured(deviceId, estimate),
  });
  ctx.services.get('devices').extendStates(async (ids) => {
    const estimates = await service.estimates(ids);
    return new Map(ids.map((id) => [id, { clock: estimates.get(id) ?? null }]));
  });
  // The identify handler runs on the process holding the socket: this one measures it.
  const unsubscribe = events.on('device.identified', ({ deviceId, connectionId }) => {
    const socket = ctx.io.of('/').sockets.get(connectionId);
    if (socket) setImmediate(() => sync.track(socket, deviceId));
  });
  return {
    name: 'clock',
    provides: { clock: service },
    sockets: [
      {
        register: (_socket, router) => router.on('server-time', () => ({ ok: true, serverTime: wallClock.now() })),
        async disconnected(socket) {
          sync.forget(socket.id);
          if (socket.data.identifiedDeviceId) service.forget(socket.data.identifiedDeviceId);
        },
      },
    ],
    tasks: [new PeriodicTask('clock-sync', TICK_MS, () => sync.tick(), logger)],
    registerGauges(registry) {
      new Gauge({
        name: 'turing_clock_measured_headsets',
        help: 'Headsets whose clock this process measures',
        registers: [registry],
        collect() {
          this.set(sync.size);
        },
      });
    },
    stop: unsubscribe,
  };
};

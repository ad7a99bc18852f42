import { Gauge } from 'prom-client';
import type { FeatureFactory } from '../feature/feature';
import { rooms } from '../realtime/rooms';
import { PeriodicTask } from '../util/periodic-task';
import { dashboardSocket } from './dashboard-socket';
import { DeviceService } from './device-service';
import type { FleetContext } from './fleet-context';
import { registerFleetGauges } from './fleet-gauges';
import { FleetNotifier } from './fleet-notifier';
import { deviceNameStores, type DeviceNameStore } from './device-names';
import { fleetRouteDocs, fleetRoutes } from './fleet-routes';
import { FrameActivity } from './frame-activity';
import { headsetRecovery, sweepOrphanedHeadsets } from './headset-recovery';
import { headsetSocket } from './headset-socket';
import { PresenceMonitor } from './presence-monitor';
import { viewerSocket } from './viewer-socket';
import './events';

export { DeviceService, type DeviceStateExtension } from './device-service';
export { FleetNotifier } from './fleet-notifier';
export { FrameActivity } from './frame-activity';
export { identifiedDevice } from './headset-socket';
export type { DeviceSnapshot } from './views';
export type { DevicesAnswer, SummaryAnswer } from './fleet-routes';

declare module '../feature/services' {
  interface FeatureServices {
    /** Devices: identify, telemetry, presence, the views of the fleet. */
    devices: DeviceService;
    /** Headset lists, presence and telemetry to tablets and dashboards. */
    fleet: FleetNotifier;
    /** Where a live frame's sign of life goes (the frames feature notes each one). */
    frameActivity: FrameActivity;
    /** Operators' names for devices (the console's rename). */
    deviceNames: DeviceNameStore;
  }
}

/**
 * The fleet: headsets identifying, reporting telemetry and status, coming and
 * going (stale, offline, expired); what tablets and dashboards see of them
 * (headset lists, fleet status, telemetry, watching a headset); GET /api/devices.
 */
export const fleet: FeatureFactory = (ctx) => {
  const { config, events, metrics, broadcast, recovery } = ctx;
  const logger = ctx.logger.child({ component: 'realtime' });
  const devices = new DeviceService(ctx.store, events, { staleMs: config.timing.deviceStaleMs });
  const names = ctx.store.extend(deviceNameStores);
  devices.extendStates(async (ids) => new Map([...(await names.getMany(ids))].map(([id, name]) => [id, { name }])));
  const notifier = new FleetNotifier(broadcast, devices, logger, config.limits.telemetryBatchMs);
  // Often enough that a device going stale is noticed within a third of DEVICE_STALE_MS.
  const checkIntervalMs = Math.max(250, Math.min(5_000, Math.floor(config.timing.deviceStaleMs / 3)));
  const presence = new PresenceMonitor(
    devices,
    notifier,
    { checkIntervalMs, cleanupIntervalMs: config.timing.sessionCleanupIntervalMs, offlineExpiryMs: config.timing.offlineDeviceExpiryMs },
    logger,
    ctx.lease,
    events,
  );
  // Flushed as often as presence is checked, so a streaming headset's lastSeen stays well inside DEVICE_STALE_MS.
  const frameActivity = new FrameActivity(devices, checkIntervalMs, logger);
  const fleetCtx: FleetContext = { devices, notifier, presence, broadcast, metrics, logger, recordMissing: () => recovery.requestCheck() };
  recovery.add('headsets', headsetRecovery(fleetCtx));
  const { orphanSweepIntervalMs } = config.timing;
  const orphanSweep = new PeriodicTask(
    'orphan-sweep',
    orphanSweepIntervalMs,
    async () => void (await sweepOrphanedHeadsets(fleetCtx, orphanSweepIntervalMs * 2)),
    logger,
    ctx.lease,
  );
  const log = ctx.logger.child({ component: 'domain' });
  const unsubscribe = [
    events.on('device.identified', ({ deviceId, connectionId }) => log.info({ deviceId, socketId: connectionId }, 'headset identified')),
    events.on('device.disconnected', ({ deviceId, connectionId }) =>
      log.info({ deviceId, socketId: connectionId }, 'headset disconnected (offline)'),
    ),
    events.on('device.recording-changed', ({ deviceId, isRecording }) =>
      log.info({ deviceId, isRecording }, isRecording ? 'headset recording' : 'headset stopped recording'),
    ),
  ];
  return {
    name: 'fleet',
    provides: { devices, fleet: notifier, frameActivity, deviceNames: names },
    routes: fleetRoutes(ctx.auth, devices, names),
    routeDocs: fleetRouteDocs,
    sockets: [
      headsetSocket(fleetCtx),
      dashboardSocket(fleetCtx),
      viewerSocket(devices, { maxWatchesPerSocket: config.limits.maxWatchesPerSocket }),
    ],
    registerGauges(registry) {
      registerFleetGauges(registry, devices);
      new Gauge({
        name: 'turing_dashboard_subscribers_total',
        help: 'Dashboard subscribers on this process',
        registers: [registry],
        collect() {
          this.set(ctx.io.of('/').adapter.rooms.get(rooms.dashboards)?.size ?? 0);
        },
      });
    },
    tasks: [presence, frameActivity, orphanSweep],
    stop() {
      notifier.stop();
      unsubscribe.forEach((off) => off());
    },
  };
};

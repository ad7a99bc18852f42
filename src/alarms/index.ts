import type { FeatureFactory } from '../feature/feature';
import { AlarmEngine } from './alarm-engine';
import { registerAlarmGauges } from './alarm-gauges';
import { alarmRouteDocs, alarmRoutes } from './alarm-routes';
import { AlarmService } from './alarm-service';
import { AlarmSocket } from './alarm-socket';
import './events';

export { AlarmService } from './alarm-service';
export { alarmView } from './alarm-view';
export { ALARM_TYPES, ALARM_RULES, type AlarmType } from './alarm-types';

declare module '../feature/services' {
  interface FeatureServices {
    /** Operator alarms: their lifecycle in the store and who hears of them. */
    alarms: AlarmService;
  }
}

/**
 * Operator alarms: telemetry rules with hysteresis, offline and upload-stall
 * checks, the lifecycle (raised, updated, acknowledged, cleared) as atomic
 * store steps, /api/alarms and the tablet's acknowledgement.
 */
export const alarms: FeatureFactory = (ctx) => {
  const { config, store, events } = ctx;
  const logger = ctx.logger.child({ component: 'alarms' });
  const service = new AlarmService({ flapping: config.alarms, store, events, logger, registry: ctx.metrics.registry });
  const locks = ctx.services.get('locks');
  // Off (ALARMS_ENABLED=false): no listeners, timers or leased checks; what is stored is still served.
  const engine = config.alarms.enabled
    ? new AlarmEngine({
        config: config.alarms,
        events,
        alarms: service,
        devices: ctx.services.get('devices'),
        locks,
        store,
        storage: ctx.storage,
        logger,
        lease: ctx.lease,
      })
    : undefined;
  return {
    name: 'alarms',
    provides: { alarms: service },
    routes: alarmRoutes(ctx.auth, service),
    routeDocs: alarmRouteDocs,
    sockets: [new AlarmSocket({ broadcast: ctx.broadcast, alarms: service, locks, store, events, logger })],
    registerGauges: (registry) => registerAlarmGauges(registry, service),
    stop: () => {
      engine?.stop();
      service.stop();
    },
  };
};

import type { Logger } from 'pino';
import type { Router } from 'express';
import type { AlarmConfig } from '../config';
import type { DomainEvents } from '../domain/events';
import type { DeviceService } from '../fleet/device-service';
import type { RestAuthDeps } from '../http/require-auth';
import type { LockService } from '../locks/lock-service';
import type { Metrics } from '../metrics';
import type { CaptureIo } from '../realtime/types';
import type { Store } from '../state/types';
import type { ObjectStorage } from '../storage/types';
import type { TaskLease } from '../util/periodic-task';
import { AlarmEngine } from './alarm-engine';
import { registerAlarmGauges } from './alarm-gauges';
import { alarmRoutes } from './alarm-routes';
import { AlarmService } from './alarm-service';
import { AlarmSocket } from './alarm-socket';

export { AlarmService } from './alarm-service';
export { ALARM_TYPES, ALARM_RULES, type AlarmType } from './alarm-types';

export interface AlarmsDeps {
  config: AlarmConfig;
  store: Store;
  storage: ObjectStorage;
  events: DomainEvents;
  devices: DeviceService;
  locks: LockService;
  metrics: Metrics;
  logger: Logger;
  auth: RestAuthDeps;
}

export interface Alarms {
  service: AlarmService;
  router: Router;
  /** Starts the rules (listening to domain events, timers, leased checks) and builds the socket module. */
  start(io: CaptureIo, lease: TaskLease): AlarmSocket;
  stop(): void;
}

/** The alarms feature, assembled for the composition root. */
export function createAlarms(d: AlarmsDeps): Alarms {
  const logger = d.logger.child({ component: 'alarms' });
  const service = new AlarmService({ store: d.store, events: d.events, logger, registry: d.metrics.registry });
  registerAlarmGauges(d.metrics.registry, service);
  let engine: AlarmEngine | undefined;
  let socket: AlarmSocket | undefined;
  return {
    service,
    router: alarmRoutes(d.auth, service),
    start(io, lease) {
      // Off (ALARMS_ENABLED=false): no listeners, timers or leased checks; what is stored is still served.
      if (d.config.enabled) engine = new AlarmEngine({ ...d, alarms: service, logger, lease });
      socket = new AlarmSocket({ io, alarms: service, locks: d.locks, store: d.store, events: d.events, metrics: d.metrics, logger });
      return socket;
    },
    stop() {
      engine?.stop();
      socket?.stop();
    },
  };
}

import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { Broadcaster } from '../realtime/broadcaster';
import type { DeviceService } from './device-service';
import type { FleetNotifier } from './fleet-notifier';
import type { PresenceMonitor } from './presence-monitor';

/** What the fleet's socket modules and sweeps share, built once per server in ./index.ts. */
export interface FleetContext {
  devices: DeviceService;
  notifier: FleetNotifier;
  presence: PresenceMonitor;
  broadcast: Broadcaster;
  metrics: Metrics;
  logger: Logger;
  /** A handler found the store missing a record of an open connection: restore them soon (realtime/store-recovery.ts). */
  recordMissing(): void;
}

import type { Logger } from 'pino';
import type { DeviceService } from '../fleet/device-service';
import type { PresenceMonitor } from '../fleet/presence-monitor';
import type { Metrics } from '../metrics';
import type { FleetNotifier } from './fleet-notifier';

/** What the socket handlers need, built once per server in realtime/index.ts. */
export interface RealtimeContext {
  devices: DeviceService;
  notifier: FleetNotifier;
  presence: PresenceMonitor;
  metrics: Metrics;
  logger: Logger;
  /** Called after a headset went offline (the lock domain tells its tablet). */
  onHeadsetOffline?: (deviceId: string) => Promise<void>;
}

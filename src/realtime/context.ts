import type { Logger } from 'pino';
import type { DeviceService } from '../fleet/device-service';
import type { PresenceMonitor } from '../fleet/presence-monitor';
import type { LockService } from '../fleet/lock-service';
import type { RecordingCommands } from '../fleet/recording-commands';
import type { DeviceSnapshot } from '../fleet/views';
import type { SessionService } from '../sessions/session-service';
import type { Metrics } from '../metrics';
import type { FleetNotifier } from './fleet-notifier';

/** What the socket handlers need, built once per server in realtime/index.ts. */
export interface RealtimeContext {
  devices: DeviceService;
  notifier: FleetNotifier;
  presence: PresenceMonitor;
  locks: LockService;
  commands: RecordingCommands;
  sessions: SessionService;
  metrics: Metrics;
  logger: Logger;
  /** Domains that follow a headset's reported recording state (sessions). */
  recordingStateListeners: Array<(deviceId: string, isRecording: boolean) => Promise<void>>;
  /** Domains that follow a headset's telemetry (session frame counts). */
  telemetryListeners: Array<(snapshot: DeviceSnapshot) => Promise<void>>;
}

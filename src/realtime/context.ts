import type { Logger } from 'pino';
import type { DeviceService } from '../fleet/device-service';
import type { PresenceMonitor } from '../fleet/presence-monitor';
import type { LockService } from '../locks/lock-service';
import type { CommandLedger } from '../commands/command-ledger';
import type { DomainEvents } from '../domain/events';
import type { SessionService } from '../sessions/session-service';
import type { Metrics } from '../metrics';
import type { FleetNotifier } from '../fleet/fleet-notifier';

/** What the socket handlers need, built once per server in realtime/index.ts. */
export interface RealtimeContext {
  devices: DeviceService;
  notifier: FleetNotifier;
  presence: PresenceMonitor;
  locks: LockService;
  commands: CommandLedger;
  sessions: SessionService;
  metrics: Metrics;
  logger: Logger;
  events: DomainEvents;
  /** A handler found the store missing a record of an open connection: restore them soon (realtime/store-recovery.ts). */
  recordMissing(): void;
}

import type { Logger } from 'pino';
import type { FleetNotifier } from '../fleet';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import { Coalesced } from '../util/coalesced';
import type { LockService } from './lock-service';

/** Coalesces bursts (a tablet locking its whole fleet) into one broadcast. */
const LOCK_BROADCAST_DELAY_MS = 50;

/** Tells tablets and dashboards that locks changed: on-device-locks-updated, and the headset lists that carry lock status. */
export class LockNotices {
  private readonly statuses = new Coalesced(() => this.broadcastLocks(), LOCK_BROADCAST_DELAY_MS);

  constructor(
    private readonly broadcast: Broadcaster,
    private readonly locks: LockService,
    private readonly fleet: FleetNotifier,
    private readonly logger: Logger,
  ) {}

  /** Schedules on-device-locks-updated and the headset lists (which carry lock status). */
  locksChanged(): void {
    this.fleet.headsetListsChanged();
    this.statuses.request();
  }

  async broadcastLocks(): Promise<void> {
    try {
      this.broadcast.emit([rooms.tablets, rooms.dashboards], 'on-device-locks-updated', await this.locks.statuses());
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not broadcast lock statuses');
    }
  }

  stop(): void {
    this.statuses.cancel();
  }
}

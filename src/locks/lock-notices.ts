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
    await this.sendLocks([rooms.tablets, rooms.dashboards]);
  }

  /**
   * What a tablet hears as it connects, before any change: the headset lists and every lock
   * (its own among them), so a tablet that came after the headsets knows them at once.
   */
  async sendStateTo(socketId: string): Promise<void> {
    await this.fleet.sendHeadsetLists(socketId);
    await this.sendLocks(socketId);
  }

  private async sendLocks(to: string | string[]): Promise<void> {
    try {
      this.broadcast.emit(to, 'on-device-locks-updated', await this.locks.statuses());
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not send lock statuses');
    }
  }

  stop(): void {
    this.statuses.cancel();
  }
}

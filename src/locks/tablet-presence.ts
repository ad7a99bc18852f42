import type { Logger } from 'pino';
import { LockGrace } from './lock-grace';
import type { LocksContext } from './locks-context';
import type { SocketModule } from '../realtime/socket-module';
import { rooms } from '../realtime/rooms';
import { mayBeTablet, tabletIdOf } from '../realtime/tablet-identity';
import type { CaptureIo, CaptureSocket } from '../realtime/types';
import { watching } from '../realtime/watching';

export interface TabletPresenceOptions {
  graceMs: number;
  /** Locks of connected tablets are refreshed this often, so a long session never loses them. */
  refreshIntervalMs: number;
}

/**
 * Keeps locks tied to tablets being around: refreshed while a tablet is
 * connected, kept through a short disconnect, released when it stays away
 * longer than the grace period.
 */
export class TabletPresence implements SocketModule {
  private readonly grace: LockGrace;
  private readonly refresher: NodeJS.Timeout;
  private readonly io: CaptureIo;

  constructor(
    private readonly ctx: LocksContext,
    options: TabletPresenceOptions,
    private readonly logger: Logger,
  ) {
    const { io } = ctx.broadcast;
    this.io = io;
    this.grace = new LockGrace(
      ctx.locks,
      {
        graceMs: options.graceMs,
        isTabletConnected: async (tabletId) => (await io.in(rooms.tablet(tabletId)).fetchSockets()).length > 0,
        onReleased: (tabletId, deviceIds) => {
          ctx.metrics.lockOperations.inc({ operation: 'grace_expired', success: 'true' });
          for (const id of deviceIds) watching.lockReleased(io, tabletId, id);
          ctx.broadcast.emit(rooms.tablet(tabletId), 'on-all-devices-unlocked', { unlocked: deviceIds });
          ctx.notices.locksChanged();
          logger.info({ tabletId, released: deviceIds.length }, 'tablet did not return within the grace period; locks released');
        },
      },
      logger,
    );
    this.refresher = setInterval(() => void this.refreshConnectedTablets(), options.refreshIntervalMs);
    this.refresher.unref();
  }

  /** Tablets (and unauthenticated legacy clients, who may be tablets) hear headset lists and follow what they hold. */
  register(socket: CaptureSocket): void {
    if (!mayBeTablet(socket)) return;
    void socket.join([rooms.tablets, rooms.tablet(tabletIdOf(socket))]);
    // Then the state as it is now (headset lists, locks): a tablet does not wait for a change to see them.
    this.connected(socket).catch((err: Error) => this.logger.warn({ err: err.message }, 'tablet reconnect handling failed'));
  }

  private async connected(socket: CaptureSocket): Promise<void> {
    const tabletId = tabletIdOf(socket);
    this.grace.tabletReturned(tabletId);
    await watching.tabletReturned(socket, await this.ctx.locks.heldBy(tabletId));
    await this.ctx.notices.sendStateTo(socket.id);
  }

  async disconnected(socket: CaptureSocket): Promise<void> {
    if (!mayBeTablet(socket)) return;
    const tabletId = tabletIdOf(socket);
    const remaining = await this.io.in(rooms.tablet(tabletId)).fetchSockets();
    if (remaining.length === 0) this.grace.tabletLeft(tabletId);
  }

  /** A tablet holds locks but has no connection anywhere (its process died): start its grace period. */
  tabletMissing(tabletId: string): void {
    if (!this.grace.isPending(tabletId)) this.grace.tabletLeft(tabletId);
  }

  stop(): void {
    clearInterval(this.refresher);
    this.grace.stop();
  }

  private async refreshConnectedTablets(): Promise<void> {
    const tablets = new Set<string>();
    for (const socket of this.io.of('/').sockets.values()) if (mayBeTablet(socket)) tablets.add(tabletIdOf(socket));
    for (const tabletId of tablets) {
      try {
        await this.ctx.locks.refreshAll(tabletId);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, tabletId }, 'could not refresh tablet locks');
      }
    }
  }
}

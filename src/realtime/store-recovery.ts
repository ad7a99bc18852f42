import type { Logger } from 'pino';
import { PeriodicTask } from '../util/periodic-task';
import type { RealtimeContext } from './context';
import { rooms } from './rooms';
import { mayBeTablet, tabletIdOf } from './tablet-identity';
import type { CaptureIo, CaptureSocket } from './types';
import { watching } from './watching';

export interface RecoveryResult {
  /** Identified headsets whose device record was gone and was written again. */
  reregistered: string[];
  /** Locks this process's tablets follow that were gone from the store and were taken again. */
  reasserted: Array<{ tabletId: string; deviceId: string }>;
  /** Locks another tablet took meanwhile: given up here, and the tablet told. */
  released: Array<{ tabletId: string; deviceId: string }>;
}

const HOLDER_PREFIX = rooms.holder('');

/**
 * Puts back what this process's open connections stand for when the store has
 * lost it (Redis restarted without its data, a FLUSHALL, an evicted key).
 * Sockets do not drop when that happens, so nobody identifies again by
 * themselves: without this every connected headset stayed unknown.
 *
 * Each process checks its own sockets (no lease): identified headsets whose
 * device record is missing are registered again; locks its tablet sockets
 * follow (their holder rooms, the in-memory record of what they hold) are
 * re-asserted, or, if another tablet took the device meanwhile, released with
 * notice (`on-device-unlocked`). A handler that finds a record missing asks
 * for a check at once; otherwise it runs every interval.
 */
export class StoreRecovery {
  private readonly task: PeriodicTask;

  constructor(
    private readonly io: CaptureIo,
    private readonly ctx: RealtimeContext,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask('store-recovery', intervalMs, async () => void (await this.check()), logger);
  }

  start(): void {
    this.task.start();
  }

  stop(): void {
    this.task.stop();
  }

  /** A record was found missing: check now (a check already running covers it). */
  requestCheck(): void {
    void this.task.runOnce();
  }

  async check(): Promise<RecoveryResult> {
    const sockets = [...this.io.of('/').sockets.values()].filter((s) => s.connected);
    const reregistered = await this.reregisterHeadsets(sockets);
    const { reasserted, released } = await this.reassertLocks(sockets);
    if (reregistered.length > 0) this.ctx.notifier.headsetListsChanged();
    if (reasserted.length + released.length > 0) this.ctx.notifier.locksChanged();
    if (reregistered.length + reasserted.length + released.length > 0) {
      this.logger.warn(
        { reregistered: reregistered.length, reasserted: reasserted.length, released: released.length },
        'the state store had lost records of open connections; restored them',
      );
    }
    return { reregistered, reasserted, released };
  }

  private async reregisterHeadsets(sockets: CaptureSocket[]): Promise<string[]> {
    const restored: string[] = [];
    const identified = sockets.filter((socket) => socket.data.identifiedDeviceId !== undefined);
    // One existence check for all of them: this runs every interval on every process.
    const registered = await this.ctx.devices.registered(identified.map((socket) => socket.data.identifiedDeviceId!));
    for (const socket of identified) {
      const deviceId = socket.data.identifiedDeviceId!;
      if (registered.has(deviceId)) continue;
      await this.ctx.devices.identify(deviceId, socket.id);
      this.ctx.presence.note(deviceId, 'online');
      this.ctx.notifier.presenceChanged(deviceId, 'online', new Date());
      restored.push(deviceId);
    }
    return restored;
  }

  private async reassertLocks(sockets: CaptureSocket[]): Promise<Pick<RecoveryResult, 'reasserted' | 'released'>> {
    const followed = new Map<string, { tabletId: string; deviceId: string }>();
    for (const socket of sockets) {
      if (!mayBeTablet(socket)) continue;
      const tabletId = tabletIdOf(socket);
      for (const room of socket.rooms) {
        if (!room.startsWith(HOLDER_PREFIX)) continue;
        const deviceId = room.slice(HOLDER_PREFIX.length);
        followed.set(`${tabletId}\n${deviceId}`, { tabletId, deviceId });
      }
    }
    const reasserted: RecoveryResult['reasserted'] = [];
    const released: RecoveryResult['released'] = [];
    for (const lock of followed.values()) {
      const outcome = await this.ctx.locks.reassert(lock.tabletId, lock.deviceId);
      if (outcome === 'acquired') reasserted.push(lock);
      if (outcome !== 'held') continue;
      watching.lockReleased(this.io, lock.tabletId, lock.deviceId);
      this.ctx.notifier.emit(rooms.tablet(lock.tabletId), 'on-device-unlocked', { deviceId: lock.deviceId });
      released.push(lock);
    }
    return { reasserted, released };
  }
}

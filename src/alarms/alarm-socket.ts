import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';
import type { DomainEvents } from '../domain/events';
import type { LockService } from '../locks';
import type { ServerToClientEvents } from '../protocol';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import type { SocketModule } from '../realtime/socket-module';
import { mayBeTablet, tabletIdOf } from '../realtime/tablet-identity';
import type { Store } from '../state/types';
import type { AlarmChange, AlarmService } from './alarm-service';
import { alarmView } from './alarm-view';

export interface AlarmSocketDeps {
  broadcast: Broadcaster;
  alarms: AlarmService;
  locks: LockService;
  store: Store;
  events: DomainEvents;
  logger: Logger;
}

const EVENT_OF = {
  raised: 'on-alarm-raised',
  updated: 'on-alarm-updated',
  acknowledged: 'on-alarm-updated',
  cleared: 'on-alarm-cleared',
} as const satisfies Record<AlarmChange['change'], keyof ServerToClientEvents>;

/**
 * Alarms over Socket.IO. Each transition is announced by the one process
 * that made it, to rooms (the tablet holding the device, the tablet of its
 * session, dashboards), so every client hears it once whichever process holds
 * its socket. Tablets acknowledge alarms of their own devices.
 */
export class AlarmSocket implements SocketModule {
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly d: AlarmSocketDeps) {
    this.unsubscribe = [
      d.alarms.onChange((change) => this.announce(change)),
      // A tablet that takes a device hears the alarms already open on it.
      d.events.on('lock.changed', ({ deviceId, tabletId, change }) => {
        if (change !== 'locked') return;
        void d.alarms
          .open([deviceId])
          .then((open) => {
            for (const alarm of open) this.d.broadcast.emit(rooms.tablet(tabletId), 'on-alarm-raised', alarmView(alarm));
          })
          .catch((err: unknown) => d.alarms.failed('notify_lock', err, { deviceId }));
      }),
    ];
  }

  register(socket: Parameters<SocketModule['register']>[0], router: Parameters<SocketModule['register']>[1]): void {
    if (mayBeTablet(socket)) {
      const tabletId = tabletIdOf(socket);
      // A reconnecting tablet hears the open alarms of the devices it holds or records.
      this.devicesOf(tabletId)
        .then(async (deviceIds) => (deviceIds.length > 0 ? this.d.alarms.open(deviceIds) : []))
        .then((open) => {
          for (const alarm of open) router.reply('on-alarm-raised', alarmView(alarm));
        })
        .catch((err: unknown) => this.d.alarms.failed('notify_connect', err, { tabletId }));
    }

    router.on('tablet-ack-alarm', async ({ alarmId }) => {
      const tabletId = tabletIdOf(socket);
      const alarm = await this.d.alarms.get(alarmId);
      if (!alarm) throw new DomainError('not_found', `alarm ${alarmId} not found`);
      if (!(await this.isTabletOf(tabletId, alarm.deviceId))) {
        throw new DomainError('forbidden', `alarm ${alarmId} is not of a device this tablet holds or records`);
      }
      const acknowledged = await this.d.alarms.acknowledge(alarmId, { kind: 'tablet', id: tabletId });
      return { ok: true as const, alarm: alarmView(acknowledged) };
    });
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private async announce({ change, alarm }: AlarmChange): Promise<void> {
    const to: string[] = [rooms.dashboards];
    // Independent reads: asked together, on every raise, repeat and clear.
    const [holder, sessionTablet] = await Promise.all([this.d.locks.holderOf(alarm.deviceId), this.sessionTabletOf(alarm.deviceId)]);
    if (holder) to.push(rooms.tablet(holder));
    if (sessionTablet && sessionTablet !== holder) to.push(rooms.tablet(sessionTablet));
    this.d.broadcast.emit(to, EVENT_OF[change], alarmView(alarm));
  }

  private async sessionTabletOf(deviceId: string): Promise<string | undefined> {
    const sessionId = (await this.d.store.devices.get(deviceId))?.activeSessionId;
    return sessionId ? (await this.d.store.sessions.get(sessionId))?.tabletId : undefined;
  }

  private async isTabletOf(tabletId: string, deviceId: string): Promise<boolean> {
    if ((await this.d.locks.holderOf(deviceId)) === tabletId) return true;
    return (await this.sessionTabletOf(deviceId)) === tabletId;
  }

  /** Devices the tablet holds, and those of its active session. */
  private async devicesOf(tabletId: string): Promise<string[]> {
    const [held, sessionId] = await Promise.all([this.d.locks.heldBy(tabletId), this.d.store.sessions.activeOf(tabletId)]);
    const session = sessionId ? await this.d.store.sessions.get(sessionId) : null;
    return [...new Set([...held, ...(session?.deviceIds ?? [])])];
  }
}

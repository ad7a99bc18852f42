import type { Logger } from 'pino';
import type { AlarmService } from '../alarms';
import { toDeviceTime, toServerTime, type ClockEstimate } from '../domain/clock';
import type { DomainEvents } from '../domain/events';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import type { ClockStore } from './clock-store';

export interface ClockServiceDeps {
  store: ClockStore;
  events: DomainEvents;
  alarms: AlarmService;
  broadcast: Broadcaster;
  logger: Logger;
  /** CLOCK_MAX_UNCERTAINTY_MS: a less sure estimate is a clock_unsynced alarm. */
  maxUncertaintyMs: number;
}

/** Dashboards hear an estimate again only once it moved this much (a stable clock is not news every interval). */
const NOTICEABLE_CHANGE_MS = 1;

/**
 * Headset clocks as the server measured them: kept in the store for every
 * process, converted both ways (server time <-> the headset's), announced
 * (clock.changed; on-device-clock-updated to dashboards when it moved), and
 * watched: an estimate less sure than CLOCK_MAX_UNCERTAINTY_MS raises
 * clock_unsynced, a sure one clears it.
 */
export class ClockService {
  /** What this process last told of each headset it measures: whether in sync, and the offset dashboards saw. */
  private readonly told = new Map<string, { synced: boolean; offsetMs: number }>();

  constructor(private readonly d: ClockServiceDeps) {}

  estimate(deviceId: string): Promise<ClockEstimate | null> {
    return this.d.store.get(deviceId);
  }

  estimates(deviceIds: readonly string[]): Promise<Map<string, ClockEstimate>> {
    return this.d.store.getMany(deviceIds);
  }

  /** A server time in the headset's clock, with the estimate used; null while the headset is unmeasured. */
  async deviceTimeOf(deviceId: string, serverMs: number): Promise<{ deviceTime: number; clock: ClockEstimate } | null> {
    const clock = await this.d.store.get(deviceId);
    return clock ? { deviceTime: toDeviceTime(clock, serverMs), clock } : null;
  }

  /** A time in the headset's clock in server time, with the estimate used; null while the headset is unmeasured. */
  async serverTimeOf(deviceId: string, deviceMs: number): Promise<{ serverTime: number; clock: ClockEstimate } | null> {
    const clock = await this.d.store.get(deviceId);
    return clock ? { serverTime: toServerTime(clock, deviceMs), clock } : null;
  }

  /** A new estimate from the process holding the headset's connection. */
  async measured(deviceId: string, clock: ClockEstimate): Promise<void> {
    await this.d.store.save(deviceId, clock);
    await this.d.events.publish('clock.changed', { deviceId, clock });
    const synced = clock.uncertaintyMs <= this.d.maxUncertaintyMs;
    const before = this.told.get(deviceId);
    this.told.set(deviceId, { synced, offsetMs: clock.offsetMs });
    if (!before || Math.abs(before.offsetMs - clock.offsetMs) >= NOTICEABLE_CHANGE_MS || before.synced !== synced) {
      this.d.broadcast.emit(rooms.dashboards, 'on-device-clock-updated', { deviceId, clock });
    }
    // Raised or cleared on a change, and once per connection (another process may have raised it).
    if (before?.synced === synced) return;
    if (synced) await this.d.alarms.clear(deviceId, 'clock_unsynced');
    else {
      const message = `clock known only to ±${clock.uncertaintyMs.toFixed(1)} ms (more than ${this.d.maxUncertaintyMs} ms)`;
      await this.d.alarms.raise(deviceId, 'clock_unsynced', clock.uncertaintyMs, message);
    }
  }

  /** The headset's connection here closed: another process measures it when it comes back. */
  forget(deviceId: string): void {
    this.told.delete(deviceId);
  }
}

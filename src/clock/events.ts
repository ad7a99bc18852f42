import type { ClockEstimate } from '../domain/clock';

/** What the clock feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A headset's clock was measured again: its new estimate, from the process holding its connection. */
    'clock.changed': { deviceId: string; clock: ClockEstimate };
  }
}

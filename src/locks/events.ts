import type { Actor } from '../domain/actor';

/** What the locks feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A tablet took a device's lock, or gave it up (`unlocked`: by request, or by the server after the tablet's grace period). */
    'lock.changed': {
      deviceId: string;
      tabletId: string;
      change: 'locked' | 'unlocked';
      /** Who released it when not the tablet: an operator from the console (POST /api/devices/:deviceId/unlock). */
      by?: Actor;
    };
  }
}

export {};

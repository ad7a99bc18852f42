/** What the locks feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A tablet took a device's lock, or gave it up (`unlocked`: by request, or by the server after the tablet's grace period). */
    'lock.changed': { deviceId: string; tabletId: string; change: 'locked' | 'unlocked' };
  }
}

export {};

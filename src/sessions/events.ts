import type { SessionRecord } from '../state/types';

/** What the sessions feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** A device's upload status in a capture session changed (the session as it now is). */
    'session.upload-changed': { session: SessionRecord };
    /** A capture session moved through its lifecycle (the session as it now is). */
    'session.changed': {
      session: SessionRecord;
      change: 'created' | 'started' | 'paused' | 'ended';
      /** On `created`: the requested devices that could not join (not held by the tablet, or offline). */
      unavailable?: string[];
    };
  }
}

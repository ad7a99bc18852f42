import type { Actor } from '../domain/actor';

/** What the alarms feature announces (see domain/events.ts). */
declare module '../domain/events' {
  interface DomainEventMap {
    /** An alarm was raised, updated (repeat, re-notify), acknowledged or cleared. */
    'alarm.changed': {
      alarmId: string;
      deviceId: string;
      type: string;
      severity: 'warning' | 'critical';
      change: 'raised' | 'updated' | 'acknowledged' | 'cleared';
      actor?: Actor;
      /** An `updated` that re-announces an acknowledged critical alarm still active after ALARM_RENOTIFY_MINUTES. */
      renotified?: boolean;
      /** A `raised` that is the same alarm back from cleared within ALARM_REOPEN_DWELL_MS (its record, count and ID kept). */
      reopened?: boolean;
      /** An `updated` whose warning persisted (ALARM_ESCALATE_AFTER_MS, ALARM_ESCALATE_REPEATS) and is now critical. */
      escalated?: boolean;
    };
  }
}

import type { Logger } from 'pino';
import { alarmView } from '../alarms';
import type { Store } from '../state/types';

/** The notice windows' scope for alarm webhooks (one window per headset). */
const SCOPE = 'alarm-webhooks';
/** Transitions a summary lists at most (it counts them all). */
const MAX_LISTED = 50;
const FLUSH_BATCH = 100;

export interface AlarmBurstsDeps {
  store: Store;
  logger: Logger;
  /** WEBHOOK_ALARM_WINDOW_MS; 0 sends every transition on its own. */
  windowMs: number;
}

/** What receivers get for a burst: `alarm.summary`. */
export interface AlarmSummary {
  deviceId: string;
  /** Transitions (raised, cleared) held during the window. */
  count: number;
  /** The newest of them, oldest first. */
  changes: Array<{ change: 'raised' | 'cleared'; alarmId: string }>;
  /** Each alarm named there, as it is now. */
  alarms: ReturnType<typeof alarmView>[];
}

/**
 * Alarm webhooks of one headset, coalesced: the first transition of a window
 * of WEBHOOK_ALARM_WINDOW_MS is sent as alarm.raised or alarm.cleared; the
 * ones after it are held in the store and sent as one alarm.summary when the
 * window ends, which opens the next one. A flapping headset therefore costs a
 * receiver two deliveries a window, not one per swing. Sockets and the alarm
 * records are not coalesced.
 */
export class AlarmBursts {
  constructor(private readonly d: AlarmBurstsDeps) {}

  get enabled(): boolean {
    return this.d.windowMs > 0;
  }

  /** True when this transition waits for the headset's summary; false: send it now. */
  async held(deviceId: string, change: 'raised' | 'cleared', alarmId: string): Promise<boolean> {
    if (!this.enabled) return false;
    try {
      const offer = await this.d.store.notices.offer(SCOPE, deviceId, `${change}:${alarmId}`, new Date(), this.d.windowMs, MAX_LISTED);
      return offer === 'held';
    } catch (err) {
      // Better a delivery too many than none.
      this.d.logger.warn({ err: (err as Error).message, deviceId }, 'could not coalesce an alarm webhook; sent alone');
      return false;
    }
  }

  /** The summaries of windows that ended (each taken by one process of the cluster). */
  async due(): Promise<AlarmSummary[]> {
    if (!this.enabled) return [];
    const summaries: AlarmSummary[] = [];
    for (const { key: deviceId, count, items } of await this.d.store.notices.takeDue(SCOPE, new Date(), FLUSH_BATCH)) {
      const changes = items.flatMap((item) => {
        const [change, alarmId] = item.split(':');
        return (change === 'raised' || change === 'cleared') && alarmId ? [{ change, alarmId } as const] : [];
      });
      const ids = [...new Set(changes.map((c) => c.alarmId))];
      const alarms = (await Promise.all(ids.map((id) => this.d.store.alarms.get(id)))).flatMap((a) => (a ? [alarmView(a)] : []));
      summaries.push({ deviceId, count, changes, alarms });
    }
    return summaries;
  }
}

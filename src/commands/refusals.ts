import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { ErrorCode } from '../domain/errors';

/** How often one tablet's refused commands are logged at most: the first, then a count per window. */
export const REFUSAL_LOG_WINDOW_MS = 60_000;
/** Tablets whose log window this process remembers at most (the oldest is forgotten first). */
const MAX_TRACKED_TABLETS = 10_000;

interface Window {
  startedAt: number;
  /** Refusals since the last log line. */
  unlogged: number;
}

/**
 * Refused recording commands (a device the tablet does not hold, one that does not
 * exist, one offline) are not ledger records: a tablet that holds nothing could
 * otherwise store one per event for the retention. Each is counted in
 * `turing_commands_refused_total{code}` and logged, at most once a minute per
 * tablet (the first of a window at once, the rest as a count with the next).
 */
export class CommandRefusals {
  private readonly total: Counter<'code'>;
  private readonly windows = new Map<string, Window>();

  constructor(
    registry: Registry,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.total = new Counter({
      name: 'turing_commands_refused_total',
      help: 'Recording commands refused (not_holder: a device the tablet does not hold or that does not exist; device_offline), by code; none is stored',
      labelNames: ['code'],
      registers: [registry],
    });
  }

  refused(tabletId: string, deviceId: string, code: ErrorCode): void {
    this.total.inc({ code });
    const t = this.now();
    const window = this.windows.get(tabletId);
    if (window && t - window.startedAt < REFUSAL_LOG_WINDOW_MS) {
      window.unlogged++;
      return;
    }
    const earlier = window?.unlogged ?? 0;
    this.windows.delete(tabletId);
    if (this.windows.size >= MAX_TRACKED_TABLETS) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(tabletId, { startedAt: t, unlogged: 0 });
    // deviceId was validated against DEVICE_ID_PATTERN before the command got here.
    this.log.warn(
      { tabletId, deviceId, code, ...(earlier > 0 ? { refusedSinceLastLog: earlier } : {}) },
      'recording command refused (counted, not stored; logged at most once a minute per tablet)',
    );
  }
}

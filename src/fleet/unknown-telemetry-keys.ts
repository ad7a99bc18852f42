import type { Logger } from 'pino';
import type { Metrics } from '../metrics';

/** Distinct (device, key) pairs remembered for logging; past this the memory starts over (a key may be logged again). */
const MAX_REMEMBERED = 10_000;

/**
 * Reports telemetry fields the server does not know (dropped by the protocol
 * schema): every one is counted, and each device-and-key pair is logged once,
 * so a fleet on a newer app is noticed without a log line per message.
 * Key names are checked field names (protocol/telemetry.ts), safe to log.
 */
export class UnknownTelemetryKeys {
  private readonly logged = new Set<string>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  report(deviceId: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.metrics.telemetryUnknownKeys.inc(keys.length);
    for (const key of keys) {
      const pair = `${deviceId}\u0000${key}`;
      if (this.logged.has(pair)) continue;
      if (this.logged.size >= MAX_REMEMBERED) this.logged.clear();
      this.logged.add(pair);
      this.logger.info({ deviceId, key }, 'telemetry field not known to this server dropped (a newer headset app?)');
    }
  }
}

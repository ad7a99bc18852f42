import { Gauge, type Registry } from 'prom-client';
import type { SessionService } from './session-service';

/** turing_sessions_active_total: the store's kept count, read at scrape time (no walk of the sessions). */
export function registerSessionGauges(registry: Registry, sessions: SessionService): void {
  new Gauge({
    name: 'turing_sessions_active_total',
    help: 'Sessions not yet completed (pending, recording, paused)',
    registers: [registry],
    async collect() {
      const count = await sessions.countActive().catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  });
}

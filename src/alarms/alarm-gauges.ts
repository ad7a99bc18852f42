import { Gauge, type Registry } from 'prom-client';
import type { AlarmService } from './alarm-service';
import { ALARM_RULES, ALARM_TYPES } from './alarm-types';

/**
 * turing_alarms_active{type,severity}: open alarms (active or acknowledged, not
 * yet cleared), read from the store at scrape, so every process reports the
 * cluster's figure (aggregate with max, not sum). Every type is reported, at 0
 * when none is open. A store outage keeps the last figures.
 */
export function registerAlarmGauges(registry: Registry, alarms: AlarmService): void {
  new Gauge({
    name: 'turing_alarms_active',
    help: 'Open alarms (raised and not cleared, acknowledged or not), by type and severity',
    labelNames: ['type', 'severity'] as const,
    registers: [registry],
    async collect() {
      let open;
      try {
        open = await alarms.open();
      } catch {
        return;
      }
      const counts = new Map<string, number>(ALARM_TYPES.map((t) => [t, 0]));
      for (const a of open) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
      this.reset();
      for (const type of ALARM_TYPES) this.set({ type, severity: ALARM_RULES[type].severity }, counts.get(type) ?? 0);
    },
  });
}

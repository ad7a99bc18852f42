import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Actor } from '../domain/actor';
import { DomainError } from '../domain/errors';
import type { DomainEvents } from '../domain/events';
import type { AlarmPage, AlarmQuery, AlarmRecord, Store } from '../state/types';
import { ALARM_RULES, isAlarmType, type AlarmDecision, type AlarmType } from './alarm-types';
import { RaiseBudget } from './raise-budget';
import { DeferredRaises } from './deferred-raises';

export type AlarmChangeKind = 'raised' | 'updated' | 'acknowledged' | 'cleared';

export interface AlarmChange {
  change: AlarmChangeKind;
  alarm: AlarmRecord;
  actor?: Actor;
  /** An `updated` that re-announces an acknowledged critical alarm still active. */
  renotified?: boolean;
  /** An `updated` whose warning persisted and became critical. */
  escalated?: boolean;
  /** A `raised` that is the same alarm back from cleared (within ALARM_REOPEN_DWELL_MS). */
  reopened?: boolean;
}

/** Hears every alarm transition made by this process (each transition is made by one process of the cluster). */
export type AlarmListener = (change: AlarmChange) => void | Promise<void>;

/** Per-device queues waiting at once beyond this are refused (counted), so a store outage cannot pile up work. */
const MAX_QUEUED_PER_DEVICE = 50;

export interface AlarmServiceDeps {
  /**
   * Flapping: the reopen dwell and the per-device raise budget (ALARM_REOPEN_DWELL_MS, ALARM_RAISES_PER_DEVICE_PER_MINUTE);
   * escalation of a persisting warning (ALARM_ESCALATE_AFTER_MS, ALARM_ESCALATE_REPEATS).
   */
  flapping: { reopenDwellMs: number; raisesPerDevicePerMinute: number; escalateAfterMs: number; escalateRepeats: number };
  store: Store;
  events: DomainEvents;
  logger: Logger;
  registry: Registry;
}

/**
 * The alarm lifecycle: raise (or repeat), clear, acknowledge, re-notify. Each
 * is one atomic store operation; the process whose operation made the
 * transition announces it (domain event alarm.changed, then its listeners: the
 * sockets, webhooks), so with several processes each transition is heard once.
 * Work for one device runs in order, so a raise and the clear after it cannot
 * swap; nothing here ever throws into the caller of `apply`.
 */
export class AlarmService {
  private readonly listeners = new Set<AlarmListener>();
  private readonly queues = new Map<string, { tail: Promise<void>; size: number }>();
  private readonly raisedTotal: Counter<'type'>;
  private readonly reopenedTotal: Counter<'type'>;
  private readonly suppressedTotal: Counter<'type'>;
  private readonly escalatedTotal: Counter<'type'>;
  private readonly failures: Counter<'operation'>;
  private readonly budget: RaiseBudget;
  private readonly deferred = new DeferredRaises((deviceId, decision) => this.apply(deviceId, [decision]));
  /** Devices whose spent budget was logged in their current window (so a flood logs once). */
  private readonly loggedSpent = new Map<string, number>();

  constructor(private readonly deps: AlarmServiceDeps) {
    const registers = [deps.registry];
    this.raisedTotal = new Counter({ name: 'turing_alarms_raised_total', help: 'Alarms raised, by type', labelNames: ['type'], registers });
    this.reopenedTotal = new Counter({
      name: 'turing_alarms_reopened_total',
      help: 'Alarms raised again within the reopen dwell of their clear: the same alarm back to active, by type',
      labelNames: ['type'],
      registers,
    });
    this.suppressedTotal = new Counter({
      name: 'turing_alarms_suppressed_total',
      help: "Raises not made because the headset's raise budget for the minute was spent (tried again at its next reading), by type",
      labelNames: ['type'],
      registers,
    });
    this.escalatedTotal = new Counter({
      name: 'turing_alarms_escalated_total',
      help: 'Warnings that persisted (ALARM_ESCALATE_AFTER_MS, ALARM_ESCALATE_REPEATS) and became critical, by type',
      labelNames: ['type'],
      registers,
    });
    this.budget = new RaiseBudget(deps.flapping.raisesPerDevicePerMinute);
    this.failures = new Counter({
      name: 'turing_alarm_failures_total',
      help: 'Alarm evaluations or transitions that failed (store unavailable, a bug); the telemetry itself was kept',
      labelNames: ['operation'],
      registers,
    });
  }

  onChange(listener: AlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queues decisions for one device; returns at once. Failures are logged and
   * counted, never thrown; `unconfirmed` hears each decision the store did not
   * take (it failed, or the device's queue was full), so its maker can send it again.
   */
  apply(deviceId: string, decisions: readonly AlarmDecision[], unconfirmed?: (decision: AlarmDecision) => void): void {
    for (const decision of decisions) {
      const queued = this.enqueue(deviceId, async () => {
        try {
          if (decision.action === 'clear') {
            this.deferred.cancel(deviceId, decision.type);
            await this.clear(deviceId, decision.type);
          } else if (!(await this.raise(deviceId, decision.type, decision.value, decision.message))) {
            // Held back by the budget: sent again by its maker (the rules, at the next reading), or here once the budget refills.
            if (unconfirmed) unconfirmed(decision);
            else this.deferred.defer(deviceId, decision, this.budget.refillsAt(deviceId) ?? Date.now());
          }
        } catch (err) {
          unconfirmed?.(decision);
          throw err;
        }
      });
      if (!queued) unconfirmed?.(decision);
    }
  }

  /** Drops the raises waiting for a budget to refill (shutdown). */
  stop(): void {
    this.deferred.stop();
  }

  /** Resolves when the device's queued work is done (tests, shutdown). */
  async settled(deviceId?: string): Promise<void> {
    const tails = deviceId ? [this.queues.get(deviceId)?.tail ?? Promise.resolve()] : [...this.queues.values()].map((q) => q.tail);
    await Promise.all(tails);
  }

  /**
   * Raises the alarm, repeats the open one, or reopens the one cleared within the dwell;
   * null when none was open and the device's raise budget for the minute is spent.
   */
  async raise(deviceId: string, type: AlarmType, value: number | null, message: string): Promise<AlarmRecord | null> {
    const { severity, escalates } = ALARM_RULES[type];
    const { reopenDwellMs, escalateAfterMs, escalateRepeats } = this.deps.flapping;
    const result = await this.deps.store.alarms.raise({ deviceId, type, severity, message, value, at: new Date() }, randomUUID(), {
      reopenWithinMs: reopenDwellMs,
      mayOpen: this.budget.available(deviceId),
      ...(escalates ? { escalate: { afterMs: escalateAfterMs, repeats: escalateRepeats } } : {}),
    });
    if (result.outcome === 'suppressed') {
      this.suppressed(deviceId, type);
      return null;
    }
    const repeat = result.outcome === 'updated' || result.outcome === 'escalated';
    if (!repeat) this.budget.spend(deviceId);
    if (result.outcome === 'raised') this.raisedTotal.inc({ type });
    if (result.outcome === 'reopened') this.reopenedTotal.inc({ type });
    if (result.outcome === 'escalated') this.escalatedTotal.inc({ type });
    if (result.outcome !== 'updated') {
      this.deps.logger.info({ deviceId, type, alarmId: result.alarm.alarmId, value }, `alarm ${result.outcome}`);
    }
    await this.announce({
      change: repeat ? 'updated' : 'raised',
      alarm: result.alarm,
      ...(result.outcome === 'reopened' ? { reopened: true } : {}),
      ...(result.outcome === 'escalated' ? { escalated: true } : {}),
    });
    return result.alarm;
  }

  /** Counts a raise the budget held back, and logs it once per device and window. */
  private suppressed(deviceId: string, type: AlarmType): void {
    this.suppressedTotal.inc({ type });
    const refill = this.budget.refillsAt(deviceId) ?? 0;
    if (this.loggedSpent.get(deviceId) === refill) return;
    for (const [id, at] of this.loggedSpent) if (at <= Date.now()) this.loggedSpent.delete(id);
    this.loggedSpent.set(deviceId, refill);
    this.deps.logger.warn(
      { deviceId, type, perMinute: this.deps.flapping.raisesPerDevicePerMinute, until: new Date(refill).toISOString() },
      'alarm raises of this headset held back: ALARM_RAISES_PER_DEVICE_PER_MINUTE spent (flapping)',
    );
  }

  /** Clears the open alarm, if any; returns it. */
  async clear(deviceId: string, type: AlarmType): Promise<AlarmRecord | null> {
    const alarm = await this.deps.store.alarms.clear(deviceId, type, new Date());
    if (alarm) {
      this.deps.logger.info({ deviceId, type, alarmId: alarm.alarmId }, 'alarm cleared');
      await this.announce({ change: 'cleared', alarm });
    }
    return alarm;
  }

  /** Acknowledges an open alarm (and clears those that clear when acknowledged). */
  async acknowledge(alarmId: string, actor: Actor): Promise<AlarmRecord> {
    const type = (await this.deps.store.alarms.get(alarmId))?.type;
    const clear = type !== undefined && isAlarmType(type) && ALARM_RULES[type].clearsOnAck;
    const result = await this.deps.store.alarms.acknowledge(alarmId, actor, new Date(), clear);
    if (result.outcome === 'not-found') throw new DomainError('not_found', `alarm ${alarmId} not found`);
    if (result.outcome === 'not-open') throw new DomainError('conflict', `alarm ${alarmId} is already cleared`);
    if (result.outcome === 'unchanged') return result.alarm;
    await this.announce({ change: 'acknowledged', alarm: result.alarm, actor });
    if (result.outcome === 'cleared') await this.announce({ change: 'cleared', alarm: result.alarm, actor });
    return result.alarm;
  }

  /** Re-announces acknowledged critical alarms last announced `renotifyMs` ago; one process gets each (claimRenotify). */
  async renotifyDue(renotifyMs: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - renotifyMs);
    let count = 0;
    for (const alarm of await this.deps.store.alarms.open()) {
      if (alarm.state !== 'acknowledged' || alarm.severity !== 'critical' || alarm.notifiedAt > cutoff) continue;
      const claimed = await this.deps.store.alarms.claimRenotify(alarm.alarmId, cutoff, now);
      if (!claimed) continue;
      count++;
      await this.announce({ change: 'updated', alarm: claimed, renotified: true });
    }
    return count;
  }

  get(alarmId: string): Promise<AlarmRecord | null> {
    return this.deps.store.alarms.get(alarmId);
  }

  open(deviceIds?: readonly string[]): Promise<AlarmRecord[]> {
    return this.deps.store.alarms.open(deviceIds);
  }

  list(query: AlarmQuery): Promise<AlarmPage> {
    return this.deps.store.alarms.list(query);
  }

  /** Counts and logs a failure of alarm work; for callers that run it off the publisher's path. */
  failed(operation: string, err: unknown, context: Record<string, unknown> = {}): void {
    this.failures.inc({ operation });
    this.deps.logger.warn({ ...context, operation, err: (err as Error)?.message ?? String(err) }, 'alarm work failed');
  }

  /** Runs `task` after the device's earlier work; false when refused (too much waiting). */
  private enqueue(deviceId: string, task: () => Promise<void>): boolean {
    const queue = this.queues.get(deviceId) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size >= MAX_QUEUED_PER_DEVICE) {
      this.failed('queue_full', new Error('too many alarm transitions waiting'), { deviceId });
      return false;
    }
    queue.size++;
    this.queues.set(deviceId, queue);
    queue.tail = queue.tail
      .then(task)
      .catch((err: unknown) => this.failed('transition', err, { deviceId }))
      .finally(() => {
        queue.size--;
        if (queue.size === 0 && this.queues.get(deviceId) === queue) this.queues.delete(deviceId);
      });
    return true;
  }

  private async announce(change: AlarmChange): Promise<void> {
    const { alarm } = change;
    try {
      await this.deps.events.publish('alarm.changed', {
        alarmId: alarm.alarmId,
        deviceId: alarm.deviceId,
        type: alarm.type,
        severity: alarm.severity,
        change: change.change,
        ...(change.actor ? { actor: change.actor } : {}),
        ...(change.renotified ? { renotified: true } : {}),
        ...(change.reopened ? { reopened: true } : {}),
        ...(change.escalated ? { escalated: true } : {}),
      });
    } catch (err) {
      this.failed('announce', err, { alarmId: alarm.alarmId });
    }
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch (err) {
        this.failed('announce', err, { alarmId: alarm.alarmId });
      }
    }
  }
}

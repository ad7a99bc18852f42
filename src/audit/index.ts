import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { DomainEvents } from '../domain/events';
import type { FeatureFactory } from '../feature/feature';
import type { RestAuthDeps } from '../http/require-auth';
import type { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/rooms';
import type { Store, TimelineEntryInput } from '../state/types';
import { auditRouteDocs, auditRoutes, entryView } from './audit-routes';
import { auditRestWrites } from './rest-writes';
import { RefusalSummary } from './refusal-summary';
import { subscribeTimeline } from './timeline-sources';
import { TimelineWriter } from './timeline-writer';

export interface AuditOptions {
  store: Store;
  events: DomainEvents;
  auth: RestAuthDeps;
  registry: Registry;
  logger: Logger;
  /** Delivers new device entries live to the device's viewers. */
  broadcast: Broadcaster;
  /** TIMELINE_ENABLED: off, nothing is recorded (the routes answer what is stored). */
  enabled: boolean;
  /** AUDIT_REFUSALS_PER_ACTOR_PER_MINUTE: an actor's refused entries written a minute; the rest are summarized. */
  refusalsPerActorPerMinute: number;
}

export interface Audit {
  /** Records an operator action or device event (never throws, never waits). */
  record(entry: TimelineEntryInput): void;
  router: Router;
  /** Audits operators' REST writes; mount before the routes. */
  restWrites: RequestHandler;
  /** Resolves once everything recorded so far is written. */
  drained(): Promise<void>;
  /** Writes the summaries of held refusals now, without waiting for their minute to end (then drain to read them). */
  flushRefusalSummaries(): void;
  stop(): void;
}

/** Routes that record their own audit entry. */
const SELF_AUDITED = new Set(['/auth/device-token']);

/** The timeline and audit feature: sources, writer, REST and live delivery. */
export function createAudit(options: AuditOptions): Audit {
  const written = new Counter({
    name: 'turing_timeline_entries_total',
    help: 'Timeline and audit entries by outcome: written, failed (the store refused them), dropped (too many waiting) or summarized (an actor’s refusals past its minute’s budget, counted in one summary entry)',
    labelNames: ['outcome'] as const,
    registers: [options.registry],
  });
  const writer = new TimelineWriter(options.store.timeline, {
    logger: options.logger.child({ component: 'timeline' }),
    written,
    onWritten: (entries) => {
      for (const entry of entries) {
        for (const deviceId of entry.deviceIds)
          options.broadcast.emit(rooms.viewers(deviceId), 'on-device-timeline-entry', entryView(entry));
      }
    },
  });
  const summary = options.enabled
    ? new RefusalSummary({
        perWindow: options.refusalsPerActorPerMinute,
        write: (entry) => writer.record(entry),
        onHeld: () => written.inc({ outcome: 'summarized' }),
      })
    : undefined;
  const record = summary ? (entry: TimelineEntryInput) => summary.record(entry) : () => undefined;
  const unsubscribe = options.enabled ? subscribeTimeline(options.events, { record, sample: (s) => writer.sample(s) }) : () => undefined;
  return {
    record,
    router: auditRoutes(options.auth, options.store),
    restWrites: options.enabled ? auditRestWrites(record, SELF_AUDITED) : (_req, _res, next) => next(),
    drained: () => writer.drained(),
    flushRefusalSummaries: () => summary?.flush(),
    stop: () => {
      unsubscribe();
      summary?.stop();
    },
  };
}

declare module '../feature/services' {
  interface FeatureServices {
    /** The device timelines and the audit log. */
    audit: Audit;
  }
}

/**
 * The append-only log: device and session timelines and the audit log of
 * operator actions, written from domain events off the action's path; REST,
 * CSV and live delivery to a device's viewers.
 */
export const audit: FeatureFactory = (ctx) => {
  const service = createAudit({
    store: ctx.store,
    events: ctx.events,
    auth: ctx.auth,
    registry: ctx.metrics.registry,
    logger: ctx.logger,
    broadcast: ctx.broadcast,
    enabled: ctx.config.timeline.enabled,
    refusalsPerActorPerMinute: ctx.config.timeline.auditRefusalsPerActorPerMinute,
  });
  return {
    name: 'audit',
    provides: { audit: service },
    middleware: [service.restWrites],
    routes: service.router,
    routeDocs: auditRouteDocs,
    stop: () => service.stop(),
  };
};

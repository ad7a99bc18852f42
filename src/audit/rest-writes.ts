import type { NextFunction, Request, Response } from 'express';
import type { Caller } from '../http/require-auth';
import { actorOf } from '../domain/actor';
import type { TimelineEntryInput } from '../state/types';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Audits operators' REST writes (the admin key, dashboard tokens): once the
 * answer is sent, one entry with the route (its pattern, never the raw URL),
 * the method and the outcome. Devices' writes (headsets uploading) are not
 * operator actions; routes that write their own, richer entry are skipped.
 */
export function auditRestWrites(record: (entry: TimelineEntryInput) => void, skip: ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (READS.has(req.method)) return next();
    res.once('finish', () => {
      const caller = res.locals.caller as Caller | undefined;
      if (!caller || (caller.kind === 'device' && caller.deviceType !== 'dashboard')) return;
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const pattern = `${req.baseUrl}${typeof route === 'string' ? route : ''}`;
      if (typeof route !== 'string' || skip.has(pattern)) return;
      const status = res.statusCode;
      record({
        at: new Date(),
        kind: 'rest.write',
        deviceIds: [],
        actor: actorOf(caller),
        outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'failed',
        details: { method: req.method, route: pattern, status },
      });
    });
    next();
  };
}

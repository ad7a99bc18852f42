import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { isDomainError, type ErrorCode } from '../domain/errors';
import { callerOf } from '../http/require-auth';
import type { Metrics } from '../metrics';
import type { Uploader } from './uploader';

/** Runs an async handler and answers with what it returns; its errors go to the error middleware. */
export function handle(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).then(
      (body) => {
        if (body !== undefined && !res.headersSent) res.json(body);
      },
      (err: unknown) => next(err),
    );
  };
}

/** Refusals that mean an upload failed (as opposed to a malformed or unauthorised request). */
const UPLOAD_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_parts',
  'etag_mismatch',
  'size_mismatch',
  'interrupted',
  'part_too_large',
  'expired_url',
  'bad_signature',
  'storage_unavailable',
  'storage_full',
]);

/** Counts the uploads routes' failures by code (turing_upload_errors_total), then lets the app answer them. */
export function countUploadFailures(metrics: Metrics): ErrorRequestHandler {
  return (err: unknown, _req, _res, next) => {
    if (isDomainError(err) && UPLOAD_FAILURES.has(err.code)) metrics.uploadErrors.inc({ error_type: err.code });
    next(err);
  };
}

export function uploaderOf(res: Response): Uploader {
  const caller = callerOf(res);
  return caller.kind === 'device' ? { deviceId: caller.deviceId } : {};
}

/** Where clients reach this server: PUBLIC_BASE_URL, or what the request says (Host, X-Forwarded-* per TRUST_PROXY). */
export function baseUrlOf(req: Request, configured?: string): string {
  return configured ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

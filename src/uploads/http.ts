import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/errors';
import { callerOf } from '../http/require-auth';
import { STATUS_OF_KIND, UploadError } from './upload-error';
import type { Uploader } from './upload-service';

/** Runs an async handler; UploadErrors become HttpErrors with their status. */
export function handle(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).then(
      (body) => {
        if (body !== undefined && !res.headersSent) res.json(body);
      },
      (err: unknown) => next(toHttpError(err)),
    );
  };
}

function toHttpError(err: unknown): unknown {
  return err instanceof UploadError ? new HttpError(STATUS_OF_KIND[err.kind], err.message) : err;
}

export function uploaderOf(res: Response): Uploader {
  const caller = callerOf(res);
  return caller.kind === 'device' ? { deviceId: caller.deviceId } : {};
}

/** Where clients reach this server: PUBLIC_BASE_URL, or what the request says (Host, X-Forwarded-* per TRUST_PROXY). */
export function baseUrlOf(req: Request, configured?: string): string {
  return configured ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

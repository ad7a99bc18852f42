import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { DomainError, ERROR_CODES, isDomainError } from '../domain/errors';
import { stdSerializers } from 'pino';
import { diskFailureOf } from '../storage/errors';

/**
 * A failed storage write as the client should hear it: a full disk is 507 (the
 * operator must free space), a failing disk 503; undefined when the errno says neither.
 */
export function storageWriteRefusal(err: unknown): DomainError | undefined {
  const failure = diskFailureOf(err);
  if (failure === 'full') return new DomainError('storage_full', 'storage is full; try again once space is freed', { cause: err });
  if (failure === 'io') return new DomainError('storage_unavailable', 'storage failed to write; try again later', { cause: err });
  return undefined;
}

/** Runs work that needs a dependency; its failure becomes a 503 naming what is unavailable (507 when storage is full). */
export async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isDomainError(err)) throw err;
    throw storageWriteRefusal(err) ?? new DomainError('storage_unavailable', `${what} is unavailable; try again later`, { cause: err });
  }
}

/** Every refusal's body, whatever the route (the OpenAPI document's ErrorAnswer). */
export const errorBodySchema = z.object({
  ok: z.literal(false),
  /** Written for the client; always safe to show. */
  error: z.string(),
  /** Per-field problems, when the refusal has them. */
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function notFound(req: Request, res: Response): void {
  res.status(404).json({ ok: false, error: `no route for ${req.method} ${req.path}` } satisfies ErrorBody);
}

/**
 * Last middleware, and the one place a refusal becomes an HTTP answer: a
 * DomainError answers with its own (client-safe) message at its code's
 * status, such as 503 "storage is unavailable"; anything unexpected with a
 * generic 500. Stack traces go to the log, never into a response.
 */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const status = statusOf(err);
  const known = isDomainError(err) && err.code !== 'internal';
  if (status >= 500 && !(known && status === 503)) req.log?.error({ err }, 'request failed');
  else if (status === 503)
    req.log?.warn({ err: (err as Error).message, cause: serializeCause((err as Error).cause) }, 'dependency unavailable');
  else req.log?.debug({ err: (err as Error)?.message }, 'request rejected');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const safe = known || status < 500;
  const body: ErrorBody = { ok: false, error: safe ? messageOf(err, status) : 'internal error' };
  if (known && err.details !== undefined) body.details = err.details;
  res.status(status).json(body);
}

/** An Error as JSON would be `{}`: keep its type, message and stack for the log. */
function serializeCause(cause: unknown): unknown {
  return cause instanceof Error ? stdSerializers.err(cause) : cause;
}

function statusOf(err: unknown): number {
  if (isDomainError(err)) return ERROR_CODES[err.code].status;
  // body-parser and other http-errors style errors carry a client status.
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function messageOf(err: unknown, status: number): string {
  if (isDomainError(err)) return err.message;
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.too.large') return 'request body too large';
  if (type === 'entity.parse.failed') return 'request body is not valid JSON';
  return status === 415 ? 'unsupported content type' : 'bad request';
}

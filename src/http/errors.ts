import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ERROR_CODE_NAMES, ERROR_CODES, isDomainError, type ErrorCode } from '../domain/errors';
import { stdSerializers } from 'pino';

/** Every refusal's body, whatever the route (the OpenAPI document's ErrorAnswer). */
export const errorBodySchema = z.object({
  ok: z.literal(false),
  /** What the refusal is, from the one table (src/domain/errors.ts): what a client branches on. */
  code: z.enum(ERROR_CODE_NAMES).describe('What the refusal is, from the one table of error codes; branch on this.'),
  /** Written for the client; always safe to show, but may be reworded. */
  error: z.string().describe('Why, for people; safe to show, may be reworded. Never branch on it.'),
  /** Per-field problems, when the refusal has them. */
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A refusal's body, for the few answers made outside the error middleware (a limiter, a timeout). */
export const errorBody = (code: ErrorCode, error: string): ErrorBody => ({ ok: false, code, error });

export function notFound(req: Request, res: Response): void {
  res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.path}`));
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
  const code = known ? err.code : codeOf(err, status);
  const body: ErrorBody = safe ? errorBody(code, messageOf(err, status)) : errorBody('internal', 'internal error');
  if (known && err.details !== undefined) body.details = err.details;
  // The code's status: a client error of a status the table has no code for is answered as the code it falls under.
  res.status(ERROR_CODES[body.code].status).json(body);
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

/**
 * The code of an error that is not a DomainError but carries a client status:
 * body-parser's (400 malformed, 413 too large, 415 unsupported charset or
 * encoding) and other http-errors style errors.
 */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_type',
  429: 'rate_limited',
};

function codeOf(err: unknown, status: number): ErrorCode {
  if (status >= 500) return 'internal';
  const type = (err as { type?: unknown })?.type;
  // body-parser: the client stopped sending, or sent less than its Content-Length.
  if (type === 'request.aborted' || type === 'request.size.invalid') return 'interrupted';
  return CODE_OF_STATUS[status] ?? 'invalid';
}

function messageOf(err: unknown, status: number): string {
  if (isDomainError(err)) return err.message;
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.too.large') return 'request body too large';
  if (type === 'entity.parse.failed') return 'request body is not valid JSON';
  return status === 415 ? 'unsupported content type' : 'bad request';
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** Paths are the client's text; scanners send very long ones. */
const MAX_LOGGED_PATH = 300;
/** A refusal's message is the server's, but may quote a little client text: clipped all the same. */
const MAX_LOGGED_REASON = 200;

/** An incoming X-Request-Id is kept only if it is short and plain; anything else gets a fresh id. */
const REQUEST_ID_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;

/** Probes and scrapes are frequent and uninteresting when they succeed; their refusals are logged like any other. */
const QUIET_PATHS = new Set(['/metrics', '/test', '/health']);

/** Query strings can carry tokens (?token=): the path only, and not an arbitrarily long one. */
const pathOf = (url: string | undefined) => (url ?? '').split('?')[0]!.slice(0, MAX_LOGGED_PATH);
/** Express rewrites req.url inside mounted routers; the original is what the client asked for. */
const requestPath = (req: IncomingMessage) => pathOf((req as Request).originalUrl ?? req.url);

/** The one line a request leaves: what was asked, the answer, how long it took, and why it was refused (code and message). */
function requestLine(req: IncomingMessage, res: ServerResponse, ms: number) {
  const status = res.statusCode;
  const reason = (res as Response).locals?.refusal as string | undefined;
  const code = (res as Response).locals?.refusalCode as string | undefined;
  return {
    method: req.method,
    path: requestPath(req),
    status,
    ms,
    ...(code ? { code } : {}),
    ...(reason ? { reason } : {}),
    // Who was refused, so repeated failures from one address can be seen.
    ...(status >= 400 ? { ip: (res as Response).locals?.clientIp as string | undefined } : {}),
  };
}

/**
 * One log line per HTTP request (method, path, status, ms, reason of a
 * refusal) carrying the request id, which is also echoed in X-Request-Id and
 * bound to every other line the request logs. No headers, no query strings:
 * they are where credentials travel.
 */
export function requestLogging(logger: Logger) {
  const http = pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return QUIET_PATHS.has(requestPath(req)) ? 'silent' : 'info';
    },
    customSuccessObject: (req, res, value: { responseTime: number }) => requestLine(req, res, value.responseTime),
    customErrorObject: (req, res, _err, value: { responseTime: number }) => requestLine(req, res, value.responseTime),
    customSuccessMessage: (req, res, ms) => `${req.method} ${requestPath(req)} ${res.statusCode} ${ms}ms`,
    customErrorMessage: (req, res) =>
      `${req.method} ${requestPath(req)} ${res.statusCode} ${Date.now() - ((res as Response).locals?.startedAt as number)}ms`,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.startedAt = Date.now();
    // Read now: once a client has dropped the connection, req.ip throws (its socket is gone) when the line is written.
    res.locals.clientIp = req.ip;
    // Every refusal answers { ok: false, code, error }: keep its code and message for the request's line.
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      const { error, code } = (body as { error?: unknown; code?: unknown } | undefined) ?? {};
      if (res.statusCode >= 400 && typeof error === 'string') res.locals.refusal = error.slice(0, MAX_LOGGED_REASON);
      if (res.statusCode >= 400 && typeof code === 'string') res.locals.refusalCode = code.slice(0, MAX_LOGGED_REASON);
      return json(body);
    };
    http(req, res, next);
  };
}

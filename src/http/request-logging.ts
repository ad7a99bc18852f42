import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** An incoming X-Request-Id is kept only if it is short and plain; anything else gets a fresh id. */
/** Paths are the client's text; scanners send very long ones. */
const MAX_LOGGED_PATH = 300;

const REQUEST_ID_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;

/** pino-http with a request id on every line, echoed back in X-Request-Id. */
export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Health probes and scrapes are frequent and uninteresting when they succeed.
    autoLogging: { ignore: (req) => req.url === '/metrics' || req.url === '/test' || req.url === '/health' },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        // Query strings can carry tokens (?token=): log the path only, and not an arbitrarily long one.
        url: typeof req.url === 'string' ? req.url.split('?')[0]!.slice(0, MAX_LOGGED_PATH) : req.url,
        remoteAddress: req.remoteAddress,
      }),
    },
  });
}

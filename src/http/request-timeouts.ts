import type http from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { RequestTimeouts } from '../config';
import { errorBody } from './errors';
import { LOCAL_UPLOAD_PATH } from '../storage/part-url-signer';

/** The routes whose bodies are recording bytes; everything else is a small control request. */
export function carriesRecordingBytes(method: string, path: string): boolean {
  return (method === 'PUT' && path.startsWith(`${LOCAL_UPLOAD_PATH}/`)) || (method === 'POST' && path === '/upload-session');
}

/**
 * Node's own limits are per server, so they are set for the longest class
 * (uploads); the headers limit applies to every request alike.
 */
export function applyServerTimeouts(server: http.Server, t: RequestTimeouts): void {
  server.requestTimeout = t.uploadMs;
  // Node requires headersTimeout <= requestTimeout.
  server.headersTimeout = Math.min(t.headersMs, t.uploadMs);
}

/**
 * Control requests must deliver their body within `controlMs`, or are answered
 * 408 and their connection closed: a client trickling a JSON body cannot hold a
 * socket and a parser buffer for Node's upload-sized limit. Only the arrival of
 * the request is timed; a slow answer (a QA report) is the server's business.
 */
export function controlRequestTimeout(t: RequestTimeouts, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (carriesRecordingBytes(req.method, req.path) || req.complete) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      logger.warn({ method: req.method, path: req.path }, 'control request body too slow; connection closed');
      if (!res.headersSent) {
        res.setHeader('connection', 'close');
        res.status(408).json(errorBody('request_timeout', 'request body too slow'));
      }
      // Whatever the answer did, the half-sent body is not read any further.
      res.once('finish', () => req.socket.destroy());
      if (res.headersSent && res.writableFinished) req.socket.destroy();
    }, t.controlMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    res.once('close', clear);
    next();
  };
}

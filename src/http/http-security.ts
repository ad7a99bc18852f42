import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

/**
 * CORS for browsers (dashboards): the configured origins only. Native clients
 * (headsets, tablets) send no Origin and are unaffected. ETag is exposed
 * because a browser uploading parts must read it to complete the upload.
 */
export function corsOptions(config: Config): CorsOptions {
  const origins = config.auth.corsOrigins;
  return {
    origin: origins === '*' ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
    exposedHeaders: ['ETag', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    maxAge: 600,
  };
}

/** Security headers and CORS, first on every HTTP response (errors and upload parts included). */
export function httpSecurity(config: Config): RequestHandler[] {
  return [
    helmet({
      // Part URLs and recordings may be fetched by a dashboard on another origin.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      // HSTS is the TLS terminator's to send (nginx/capture-backend.conf, for the whole site,
      // /grafana/ included): sent here too, browsers got two different values behind Nginx.
      // Over the server's own plain HTTP it would be ignored anyway.
      strictTransportSecurity: false,
    }),
    cors(corsOptions(config)),
  ];
}

/**
 * Headers for the server's own pages (the dashboard, the API reference): this
 * origin's scripts, styles and connections only, no inline code, no framing.
 * `imageSources` adds to 'self' what a page draws from (data:, blob:).
 */
export function strictPageHeaders(imageSources: string): RequestHandler {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${imageSources}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}

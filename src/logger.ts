import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

/**
 * Paths pino blanks in every log line. Tokens and keys arrive in headers,
 * handshake auth and a few bodies; none of them may reach a log.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'token',
  '*.token',
  'auth.token',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'jwtSecret',
  'adminApiKey',
  // Defence in depth for objects nobody logs today: a Socket.IO handshake, part URL signatures, the config.
  'handshake.auth',
  'handshake.headers.authorization',
  'handshake.query.token',
  'query.token',
  'signature',
  '*.signature',
  'metricsToken',
  '*.metricsToken',
  '*.jwtSecret',
  '*.adminApiKey',
  '*.auth.metricsToken',
  '*.auth.jwtSecret',
  '*.auth.adminApiKey',
];

/** JSON logs; readable colourised lines in development. */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const options = {
    level: config.log.level,
    base: { service: 'capture-backend', version: config.version },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (config.log.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } },
    });
  }
  return pino(options);
}

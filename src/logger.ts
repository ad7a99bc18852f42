import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
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

/**
 * Development output: one readable line per event. A request's line reads
 * "GET /api/devices 200 3ms [request id]"; a refusal adds its reason and the caller's address.
 */
export const PRETTY_OPTIONS = {
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,service,version,reqId,method,path,status,ms,reason,ip',
  messageFormat: '{msg}{if reqId} [{reqId}]{end}{if reason} ({reason}){end}{if ip} from {ip}{end}',
  // A domain event's fields on its own line, not one line per field: one line per event.
  singleLine: true,
};

/**
 * JSON lines with ISO 8601 times in production (what log shippers parse);
 * readable lines in development.
 */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const options = {
    level: config.log.level,
    base: { service: 'capture-backend', version: config.version },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.log.pretty) {
    // A given destination (tests) gets the same formatting, synchronously; otherwise a worker thread writes stdout.
    if (destination) return pino(options, pinoPretty({ ...PRETTY_OPTIONS, colorize: false, sync: true, destination }));
    return pino({ ...options, transport: { target: 'pino-pretty', options: PRETTY_OPTIONS } });
  }
  return pino({ ...options, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

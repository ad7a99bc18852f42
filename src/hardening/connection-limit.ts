import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { connectionRefusal } from '../realtime/socket-auth';
import type { CaptureIo, CaptureSocket } from '../realtime/types';

export const TOO_MANY_CONNECTIONS = 'too many connections from this address';

export interface ConnectionLimitOptions {
  maxPerAddress: number;
  /** Engine.IO connections, joined or not, past which a handshake is refused before a socket exists. */
  maxEnginePerAddress: number;
  /** Express's compiled 'trust proxy fn', so a client behind Nginx is counted by its own address. */
  trustProxy: (address: string, hop: number) => boolean;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Bounds the Socket.IO connections one client address holds at once (in this
 * process). Connections are counted at the Engine.IO level, where every
 * connection reliably reports its close; the refusal happens in namespace
 * middleware, which is the only place a client hears a reason (connect_error).
 * A refused connection is then closed, so ignoring the refusal holds nothing open.
 *
 * Raw Engine.IO connections that never join a namespace are never refused there:
 * until SOCKET_CONNECT_TIMEOUT_MS closes them they only count. So the handshake
 * itself (engine.io's allowRequest) is refused (HTTP 403) once the address holds
 * maxEnginePerAddress of them, joined or not: a client cannot pile up thousands.
 */
export function limitConnectionsPerAddress(io: CaptureIo, options: ConnectionLimitOptions): void {
  const open = new Map<string, number>();
  const addressOf = (req: IncomingMessage): string => {
    try {
      return proxyaddr(req, options.trustProxy);
    } catch {
      return req.socket?.remoteAddress ?? 'unknown';
    }
  };

  const engineOptions = io.engine.opts;
  const allowBefore = engineOptions.allowRequest;
  engineOptions.allowRequest = (req, callback) => {
    const address = addressOf(req);
    if ((open.get(address) ?? 0) >= options.maxEnginePerAddress) {
      options.metrics.deviceConnections.inc({ type: 'unknown', event: 'refused_too_many_handshakes' });
      warnOnce(address);
      return callback(TOO_MANY_CONNECTIONS, false);
    }
    if (allowBefore) return allowBefore(req, callback);
    callback(null, true);
  };
  // One warning per address and minute: a flood of refused handshakes is not a flood of log lines.
  const warned = new Map<string, number>();
  const warnOnce = (address: string) => {
    const now = Date.now();
    for (const [a, at] of warned) if (now - at > 60_000) warned.delete(a);
    if (warned.has(address) || warned.size >= 1_000) return;
    warned.set(address, now);
    options.logger.warn(
      { address, limit: options.maxEnginePerAddress },
      'Engine.IO handshakes refused: too many connections from this address',
    );
  };

  io.engine.on('connection', (raw: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const address = addressOf(raw.request);
    open.set(address, (open.get(address) ?? 0) + 1);
    raw.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      // Deleting at zero keeps the map as small as the set of connected addresses.
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });

  io.use((socket: CaptureSocket, next: (err?: Error) => void) => {
    const address = addressOf(socket.request);
    // The count already includes this connection.
    if ((open.get(address) ?? 0) <= options.maxPerAddress) return next();
    options.metrics.deviceConnections.inc({ type: socket.data?.deviceType ?? 'unknown', event: 'refused_too_many_connections' });
    options.logger.warn({ address, limit: options.maxPerAddress }, 'socket connection refused: too many from this address');
    next(connectionRefusal('rate_limited', TOO_MANY_CONNECTIONS));
    // After the refusal is queued: engine.io flushes it before closing the transport.
    setImmediate(() => socket.conn.close());
  });
}

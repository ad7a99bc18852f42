import type { Socket as TcpSocket } from 'node:net';
import type { CaptureSocket } from './types';

/** The parts of Socket.IO's Client and engine.io's socket this module reaches past their public types. */
interface EngineTransport {
  name: string;
  writable: boolean;
  /** engine.io's WebSocket transport: the `ws` socket, whose `_socket` is the TCP connection. */
  socket?: { _socket?: TcpSocket };
}
interface EngineConnection {
  transport: EngineTransport;
  writeBuffer: unknown[];
  write(packet: unknown, options: unknown): void;
  flush(): void;
}
interface EngineClient {
  conn: EngineConnection;
  writeToEngine(packets: unknown, options: { volatile?: boolean }): void;
}

const PATCHED = Symbol('capture.writeTogether');

/**
 * Makes the packets engine.io sends a connection at one time leave in one
 * socket write instead of one write each.
 *
 * - A flush of several packets (what queued while the previous write was in
 *   flight: a per-update dashboard gets many updates a turn) wrote one WebSocket
 *   message per packet, each its own `writev`; the TCP socket is now corked for
 *   the flush, so they go in one.
 * - A binary event (a live frame) is two packets, the header and the
 *   attachment, which Socket.IO hands engine.io one at a time: the header was
 *   written alone and the attachment waited for that write's callback, a tick
 *   later, so every frame cost every viewer two writes where a bare WebSocket
 *   relay makes one (a `--cpu-prof` of bench:frames put half the server's busy
 *   time in `writev`). The two are now queued together and flushed as one.
 *
 * The bytes on the wire are unchanged. Socket.IO has no option for this, so the
 * connection's Client and engine.io socket are wrapped (once; every
 * namespace's socket of a connection shares them). The shapes relied on are
 * checked by test/realtime/write-together.test.ts.
 */
export function writeTogether(socket: CaptureSocket): void {
  const client = socket.client as unknown as EngineClient & { [PATCHED]?: true };
  const conn = client.conn;
  if (client[PATCHED] || typeof client.writeToEngine !== 'function' || typeof conn.flush !== 'function') return;
  client[PATCHED] = true;

  const flushOneByOne = conn.flush.bind(conn);
  conn.flush = () => {
    const { transport } = conn;
    const tcp = conn.writeBuffer.length > 1 && transport.writable && transport.name === 'websocket' ? transport.socket?._socket : undefined;
    if (!tcp) return flushOneByOne();
    tcp.cork();
    try {
      flushOneByOne();
    } finally {
      tcp.uncork();
    }
  };

  const writeOneByOne = client.writeToEngine.bind(client);
  client.writeToEngine = (packets, options) => {
    const { transport } = conn;
    // Not writable: Socket.IO's own path queues them (or discards a volatile packet) as before.
    if (!Array.isArray(packets) || packets.length < 2 || !transport.writable) return writeOneByOne(packets, options);
    transport.writable = false; // each write below only queues
    try {
      for (const packet of packets) conn.write(packet, options);
    } finally {
      transport.writable = true;
    }
    conn.flush();
  };
}

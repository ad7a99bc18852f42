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
  write(packet: unknown, options: unknown): void;
  flush(): void;
}
interface EngineClient {
  conn: EngineConnection;
  writeToEngine(packets: unknown, options: { volatile?: boolean }): void;
}

const PATCHED = Symbol('capture.binaryWritesTogether');

/**
 * A binary event (a live frame) is two engine.io packets: the header and the
 * attachment. Socket.IO hands them to engine.io one at a time, so the header
 * was written alone and the attachment waited for that write's callback, a
 * tick later: every frame cost every viewer two socket writes where a bare
 * WebSocket relay makes one (a `--cpu-prof` of bench:frames put half the
 * server's busy time in `writev`). Here the packets of one Socket.IO packet are
 * queued together, flushed in one transport send, and the WebSocket's TCP
 * socket is corked for that send, so they leave in one `writev`. The bytes on
 * the wire are unchanged; a single-packet emit takes Socket.IO's own path.
 *
 * Socket.IO has no option for this, so the connection's Client is wrapped (once;
 * every namespace's socket of a connection shares it). The shapes it relies on
 * are checked by test/realtime/binary-writes.test.ts.
 */
export function writeBinaryPacketsTogether(socket: CaptureSocket): void {
  const client = socket.client as unknown as EngineClient & { [PATCHED]?: true };
  if (client[PATCHED] || typeof client.writeToEngine !== 'function') return;
  client[PATCHED] = true;
  const writeOneByOne = client.writeToEngine.bind(client);
  client.writeToEngine = (packets, options) => {
    const { conn } = client;
    const { transport } = conn;
    // Not writable: Socket.IO's own path queues them (or discards a volatile packet) as before.
    if (!Array.isArray(packets) || packets.length < 2 || !transport.writable) return writeOneByOne(packets, options);
    transport.writable = false; // each write below only queues
    try {
      for (const packet of packets) conn.write(packet, options);
    } finally {
      transport.writable = true;
    }
    const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
    tcp?.cork();
    try {
      conn.flush();
    } finally {
      tcp?.uncork();
    }
  };
}

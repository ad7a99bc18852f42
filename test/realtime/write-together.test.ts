import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTogether } from '../../src/realtime/write-together';
import type { CaptureIo, CaptureSocket } from '../../src/realtime/types';

/** A Socket.IO server whose connections are passed to `setUp`, and one WebSocket client. */
async function connected(setUp: (socket: CaptureSocket) => void) {
  const http: HttpServer = createServer();
  const io: CaptureIo = new Server(http);
  const serverSide = new Promise<CaptureSocket>((resolve) =>
    io.on('connection', (socket) => {
      setUp(socket);
      resolve(socket);
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client: ClientSocket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
  const socket = await serverSide;
  await new Promise<void>((resolve) => (client.connected ? resolve() : client.once('connect', () => resolve())));
  const close = async () => {
    client.close();
    await io.close();
  };
  return { client, socket, close };
}

/** Counts the writes the server's TCP socket hands to the kernel (a corked batch is one). */
function countWrites(socket: CaptureSocket): { readonly count: number } {
  const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket as TcpSocket & {
    _write: (...args: unknown[]) => void;
    _writev: (...args: unknown[]) => void;
  };
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      counter.count++;
      original(...args);
    };
  }
  return counter;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('writeTogether', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  for (const together of [true, false]) {
    it(`a binary event leaves in ${together ? 'one write' : 'two writes without it'}, and arrives whole`, async () => {
      const setup = await connected((socket) => (together ? writeTogether(socket) : undefined));
      close = setup.close;
      const writes = countWrites(setup.socket);
      const frame = Buffer.from(Array.from({ length: 40_000 }, (_, i) => i % 256));
      const received = new Promise<[Buffer, string]>((resolve) =>
        setup.client.on('frame', (bytes: ArrayBuffer | Buffer, deviceId: string) => resolve([Buffer.from(bytes as Buffer), deviceId])),
      );
      (setup.socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit('frame', frame, 'QUEST_1');
      const [bytes, deviceId] = await received;
      expect(bytes.equals(frame)).toBe(true);
      expect(deviceId).toBe('QUEST_1');
      expect(writes.count).toBe(together ? 1 : 2);
    });
  }

  for (const together of [true, false]) {
    it(`events queued behind a write in flight leave in ${together ? 'one write' : 'one write each without it'}`, async () => {
      const setup = await connected((socket) => (together ? writeTogether(socket) : undefined));
      close = setup.close;
      const writes = countWrites(setup.socket);
      const got: number[] = [];
      setup.client.on('update', (n: number) => got.push(n));
      const emit = (setup.socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit.bind(setup.socket);
      // The first is written at once; the next three queue until its write's callback, then go out in one flush.
      for (const n of [1, 2, 3, 4]) emit('update', n);
      while (got.length < 4) await tick();
      expect(got).toEqual([1, 2, 3, 4]);
      expect(writes.count).toBe(together ? 2 : 4);
    });
  }

  it('leaves a text event and several in a row as they were: each arrives, in order', async () => {
    const setup = await connected(writeTogether);
    close = setup.close;
    const got: unknown[] = [];
    setup.client.on('note', (n: unknown) => got.push(n));
    setup.client.on('frame', (b: Buffer) => got.push(Buffer.from(b).length));
    const emit = (setup.socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit.bind(setup.socket);
    emit('note', 1);
    emit('frame', Buffer.alloc(10));
    emit('note', 2);
    emit('frame', Buffer.alloc(20));
    while (got.length < 4) await tick();
    expect(got).toEqual([1, 10, 2, 20]);
  });
});

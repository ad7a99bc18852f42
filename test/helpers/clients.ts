import { io as connect } from 'socket.io-client';
import type { CaptureServer } from '../../src/app';
import { askUncheckedWithin, connected, connectSocket, type CaptureSocket, type LooseAnswer } from '@capture-backend/client';
import { clientEvents, type ClientToServerEvents, type DeviceType, type ServerToClientEvents } from '../../src/protocol';

type Answer = LooseAnswer;

/** Tests connect with the typed client (@capture-backend/client, packages/client), not reconnecting, so a refusal is final. */
export type Client = CaptureSocket;

/** Collects every event a client receives, so tests can wait for or assert on them. */
export interface TestClient {
  socket: Client;
  received: Array<{ event: string; args: unknown[] }>;
  /** Resolves with the arguments of the next (or an already received unconsumed) matching event. */
  next<E extends keyof ServerToClientEvents>(
    event: E,
    match?: (...args: Parameters<ServerToClientEvents[E]>) => boolean,
    timeoutMs?: number,
  ): Promise<Parameters<ServerToClientEvents[E]>>;
  count(event: keyof ServerToClientEvents): number;
  /** Emits and waits for the server's ack. */
  ask(event: keyof ClientToServerEvents, ...args: unknown[]): Promise<Answer>;
  close(): void;
}

const openClients = new Set<Client>();

export function tokenFor(server: CaptureServer, deviceId: string, deviceType: DeviceType): string {
  return server.tokens.sign(deviceId, deviceType);
}

export async function connectClient(
  server: CaptureServer,
  auth: { token?: string } | { deviceId: string; deviceType: DeviceType },
  options: { headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<TestClient> {
  const token = 'deviceId' in auth ? tokenFor(server, auth.deviceId, auth.deviceType) : auth.token;
  const socket = connectSocket(server.url(), {
    token,
    reconnection: false,
    // Tests answer the server's clock measurement themselves when they mean to (test/clock/skewed-headset.ts).
    deviceClock: false,
    socket: { extraHeaders: options.headers, query: options.query },
  });
  openClients.add(socket);
  const received: TestClient['received'] = [];
  const consumed = new WeakSet<object>();
  socket.onAny((event: string, ...args: unknown[]) => received.push({ event, args }));

  await connected(socket);

  const client: TestClient = {
    socket,
    received,
    next(event, match, timeoutMs = 5_000) {
      const find = () =>
        received.find((r) => r.event === event && !consumed.has(r) && (!match || (match as (...a: unknown[]) => boolean)(...r.args)));
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const hit = find();
          if (hit) {
            consumed.add(hit);
            return resolve(hit.args as never);
          }
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${event}`));
          setTimeout(poll, 10);
        };
        poll();
      });
    },
    count: (event) => received.filter((r) => r.event === event).length,
    async ask(event, ...args) {
      const answer = await askUncheckedWithin(socket, 5_000, event, ...args);
      // Every success answer of every test must match its event's ack spec.
      if (answer.ok) clientEvents[event].ack.parse(answer);
      return answer;
    },
    close() {
      socket.close();
      openClients.delete(socket);
    },
  };
  return client;
}

/** Connection attempt expected to be refused: resolves with the connect_error message. */
export async function refusedConnection(server: CaptureServer, opts: Parameters<typeof connect>[1]): Promise<string> {
  const socket = connect(server.url(), { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connection was accepted')));
      socket.once('connect_error', (err) => resolve(err.message));
    });
  } finally {
    socket.close();
  }
}

/** A headset client that has already identified itself. */
export async function identifiedHeadset(server: CaptureServer, deviceId: string): Promise<TestClient> {
  const client = await connectClient(server, { deviceId, deviceType: 'headset' });
  const answer = await client.ask('headset-identify', deviceId);
  if (!answer.ok) throw new Error(`identify failed: ${answer.error}`);
  return client;
}

/**
 * A headset that connected once and is now offline: the store knows it, so it
 * can be watched before it connects again.
 */
export async function knownHeadset(server: CaptureServer, deviceId: string): Promise<void> {
  await server.services.devices.identify(deviceId, 'an-earlier-connection');
  await server.services.devices.disconnect(deviceId, 'an-earlier-connection');
}

export function tabletClient(server: CaptureServer, tabletId: string): Promise<TestClient> {
  return connectClient(server, { deviceId: tabletId, deviceType: 'tablet' });
}

export function closeAllClients(): void {
  for (const socket of openClients) socket.close();
  openClients.clear();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the check passes (for effects that arrive asynchronously). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await sleep(25);
  }
}

import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { closeClient } from '../state/redis/close-client';
import { createRedisClient, type RedisConnectionConfig } from '../state/redis/connection';
import { ClusterPeers } from './cluster-peers';
import { rooms } from './rooms';

const SUBSCRIPTION_COMMANDS = ['ssubscribe', 'sunsubscribe', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe'] as const;

/**
 * The adapter calls (s)subscribe without handling the returned promise, so a
 * subscription pending when the connection closes (shutdown, Redis restart)
 * would reject unhandled. Each such promise gets a handler that logs; ioredis
 * resubscribes on reconnect by itself.
 */
function handleFloatingSubscriptions(client: Redis, log: Logger): void {
  for (const name of SUBSCRIPTION_COMMANDS) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const pending = original(...args);
      pending.catch((err: Error) => log.debug({ err: err.message, command: name }, 'subscription command failed'));
      return pending;
    };
  }
}

export interface ClusterAdapterOptions {
  /** Where Redis is: the same place as the store's (a URL, or Sentinel). */
  connection: RedisConnectionConfig;
  keyPrefix: string;
  /** 'sharded' (Redis 7 sharded pub/sub, one channel per room) or 'classic' (Redis 6). */
  mode: 'sharded' | 'classic';
  logger: Logger;
}

export interface ClusterAdapter {
  adapter: ReturnType<typeof createShardedAdapter>;
  /**
   * Announces this process to the others and starts following whether it is alone
   * (sharded mode). Called before the server takes connections.
   */
  join(timeoutMs: number): Promise<void>;
  /**
   * Whether another process may have members of a room: no while this process is known to be
   * alone, or, for a followed room (a headset's watch room, the per-update dashboards' room), while
   * no other process is known to have members of it.
   */
  mayHaveRemoteMembers(room: string): boolean;
  close(): Promise<void>;
}

/** How often a process asks Redis how many processes share its channels. */
const PEER_CHECK_INTERVAL_MS = 2_000;

/** socket.io-adapter's ClusterAdapter operations that skip Redis when their options say `local`. */
interface LocalCapableAdapter {
  uid: string;
  rooms: Map<string, unknown>;
  on(event: 'create-room' | 'delete-room', listener: (room: string) => void): void;
  onRawMessage(raw: Buffer, channel: Buffer): void;
  addAll(id: string, rooms: Set<string>): Promise<void> | void;
  broadcast(packet: unknown, opts: AdapterOptions): unknown;
  addSockets(opts: AdapterOptions, rooms: unknown): unknown;
  delSockets(opts: AdapterOptions, rooms: unknown): unknown;
  disconnectSockets(opts: AdapterOptions, close: unknown): unknown;
}
interface AdapterOptions {
  rooms?: Set<string>;
  flags?: Record<string, unknown>;
}

export function createClusterAdapter(options: ClusterAdapterOptions): ClusterAdapter {
  const log = options.logger.child({ component: 'socket-adapter' });
  // A broadcast per telemetry update: the publishes of one tick leave in one write, not one syscall each.
  const pub = createRedisClient(options.connection, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  // No ready check: ioredis would send INFO on a connection already in (sharded) subscriber mode.
  // With Sentinel that also skips ioredis's role check, which the subscriber can do without: the
  // sentinels name the primary, and Sentinel disconnects the clients of a primary it demotes.
  const sub = createRedisClient(options.connection, { enableReadyCheck: false });
  handleFloatingSubscriptions(sub, log);
  for (const [name, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    let down = false;
    client.on('error', (err: Error) => {
      if (!down) log.error({ err: err.message, client: name }, 'socket adapter lost Redis; retrying');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ client: name }, 'socket adapter reconnected to Redis');
      down = false;
    });
  }
  const channel = `${options.keyPrefix}socket.io`;
  if (options.mode === 'classic') {
    // Redis 6 has no sharded pub/sub to count processes by: every broadcast goes through Redis.
    return {
      adapter: createAdapter(pub, sub, { key: channel }) as unknown as ReturnType<typeof createShardedAdapter>,
      join: () => Promise.resolve(),
      mayHaveRemoteMembers: () => true,
      close: () => Promise.all([closeClient(pub), closeClient(sub)]).then(() => undefined),
    };
  }
  const peers = new ClusterPeers({
    pub,
    sub,
    announceChannel: `${channel}-processes`,
    checkIntervalMs: PEER_CHECK_INTERVAL_MS,
    followedRoomPrefix: rooms.watch(''),
    followedRooms: [rooms.telemetryUpdates],
    logger: log,
  });
  const sharded = createShardedAdapter(pub, sub, { channelPrefix: channel, subscriptionMode: 'dynamic' });
  let main: LocalCapableAdapter | undefined;
  // Socket.IO calls the adapter with `new`: a function (not an arrow) that returns the adapter it made.
  // Peers count the channels of the one namespace the server uses ('/'); any other publishes always.
  const adapter = function (nsp: Namespace) {
    const made = sharded(nsp);
    if (nsp.name === '/') followPeers((main = made as unknown as LocalCapableAdapter), peers);
    return made;
  } as typeof sharded;
  return {
    adapter,
    async join(timeoutMs) {
      if (!main) throw new Error('the Socket.IO server must be created with this adapter before join()');
      const namespace = `${channel}#/#`;
      const { uid, rooms: localRooms } = main;
      await peers.start({ namespace, own: `${namespace}${uid}#`, uid, hasRoom: (room) => localRooms.has(room) }, timeoutMs);
    },
    mayHaveRemoteMembers: (room) => peers.mayHaveRemoteMembers(room),
    async close() {
      peers.stop();
      await Promise.all([closeClient(pub), closeClient(sub)]);
    },
  };
}

/** Tells the peers of the adapter's rooms, and lets them decide what is published. */
function followPeers(adapter: LocalCapableAdapter, peers: ClusterPeers): void {
  publishOnlyForRemoteMembers(adapter, peers);
  skipOwnMessages(adapter);
  const addAll = adapter.addAll.bind(adapter);
  adapter.addAll = (id, joined) => peers.joined(() => addAll(id, joined));
  adapter.on('create-room', (room) => peers.roomCreated(room));
  adapter.on('delete-room', (room) => peers.roomDeleted(room));
}

/**
 * An operation marked local (a broadcast, a room join or leave, a disconnect) is done here
 * without a publish: socket.io-adapter's ClusterAdapter then skips Redis and, for a
 * broadcast, the wait for its answer. While this process is alone every one of them is,
 * and so is a broadcast to a followed room no other process has members of.
 */
function publishOnlyForRemoteMembers(adapter: LocalCapableAdapter, peers: ClusterPeers): void {
  const local = (opts: AdapterOptions): AdapterOptions => ({ ...opts, flags: { ...opts.flags, local: true } });
  const here = (opts: AdapterOptions): AdapterOptions => (peers.hasPeers() ? opts : local(opts));
  const broadcast = adapter.broadcast.bind(adapter);
  const addSockets = adapter.addSockets.bind(adapter);
  const delSockets = adapter.delSockets.bind(adapter);
  const disconnectSockets = adapter.disconnectSockets.bind(adapter);
  adapter.broadcast = (packet, opts) => {
    const only = opts.rooms?.size === 1 ? opts.rooms.values().next().value : undefined;
    return broadcast(packet, only === undefined ? here(opts) : peers.mayHaveRemoteMembers(only) ? opts : local(opts));
  };
  adapter.addSockets = (opts, rooms) => addSockets(here(opts), rooms);
  adapter.delSockets = (opts, rooms) => delSockets(here(opts), rooms);
  adapter.disconnectSockets = (opts, close) => disconnectSockets(here(opts), close);
}

/**
 * How far from its end a published message names its sender: socket.io-adapter adds `uid`
 * and `nsp` after the message's data, and both encodings (JSON, msgpack) keep that order.
 */
const SENDER_TAIL_BYTES = 48;

/**
 * Redis hands a process its own publishes too, and the adapter parses each whole
 * message before it sees the sender and drops it: with several processes every
 * telemetry batch (1,500 updates at 3,000 headsets on two processes) was parsed
 * again by the process that had just encoded it. A message whose tail names this
 * adapter is dropped unread.
 */
function skipOwnMessages(adapter: LocalCapableAdapter): void {
  const onRawMessage = adapter.onRawMessage.bind(adapter);
  const sender = Buffer.from(adapter.uid);
  adapter.onRawMessage = (raw, channel) => {
    if (Buffer.isBuffer(raw) && raw.includes(sender, Math.max(0, raw.length - SENDER_TAIL_BYTES))) return;
    onRawMessage(raw, channel);
  };
}
